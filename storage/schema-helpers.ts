import { idProblem } from "./ids.js";
import { z } from "./zod.js";

/** A string that is safe to use as a file or directory name (see ids.ts). */
export const idSchema = z.string().superRefine((value, ctx) => {
  const problem = idProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export const isoTimestamp = z.string();

/** Formats zod issues as `field: message` lines that name the offending field. */
export function describeIssues(error: z.ZodError): {
  message: string;
  issues: { path: string; message: string }[];
} {
  const issues = error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)",
    message: issue.message,
  }));
  return { message: issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues };
}
