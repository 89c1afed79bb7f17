import type { z } from "zod";
import { invalid } from "./errors.js";
import { describeIssues } from "./schema-helpers.js";

/** Parses caller input, turning the first zod issue into a validation StorageError naming its field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = [prefix, ...(issue?.path ?? []).map(String)].filter((p) => p !== undefined).join(".");
  throw invalid(field || "(root)", issue?.message ?? "is invalid", {
    issues: describeIssues(parsed.error).issues,
  });
}
