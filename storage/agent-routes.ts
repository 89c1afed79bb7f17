import { StorageError } from "./errors.js";
import { describeIssues, idSchema } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import { parseYamlDocument, yamlToObject } from "./yaml.js";
import { z } from "./zod.js";

/** `~/.viben/routes.yaml`: which agent answers a message, hand-edited by the user. */
export const ROUTES_KEY = "routes.yaml";
export const DEFAULT_MAX_DELEGATION_DEPTH = 3;

const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/**
 * One rule. Every condition it names must hold (a rule naming none matches everything, a catch-all);
 * a list means any one of its entries. Keywords match case-insensitively inside the message, `regex`
 * with JavaScript syntax (flags `i` unless `regex_flags` says otherwise).
 */
export const RouteRuleSchema = z
  .looseObject({
    id: idSchema.optional(),
    agent: idSchema,
    description: z.string().optional(),
    channel: oneOrMany.optional(),
    sender: oneOrMany.optional(),
    keywords: z.array(z.string().min(1)).optional(),
    regex: z.string().min(1).optional(),
    regex_flags: z
      .string()
      .regex(/^[dgimsuvy]*$/, "must be JavaScript regex flags")
      .optional(),
    workspace: oneOrMany.optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.regex === undefined) return;
    try {
      new RegExp(rule.regex, rule.regex_flags ?? "i");
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        path: ["regex"],
        message: `not a valid regex: ${(error as Error).message}`,
      });
    }
  });

export type RouteRule = z.infer<typeof RouteRuleSchema>;

/** An agent asked to pick among candidates when no rule matches. */
export const ClassifierSchema = z.looseObject({
  agent: idSchema,
  /** The agents it may pick; default: every agent named by a rule. */
  candidates: z.array(idSchema).optional(),
  /** Extra instructions for the classifier. */
  instructions: z.string().optional(),
});

export const RoutesFileSchema = z.looseObject({
  rules: z.array(RouteRuleSchema).default([]),
  classifier: ClassifierSchema.optional(),
  /** The answer when neither a rule nor the classifier decides (else the caller's current or default agent). */
  fallback_agent: idSchema.optional(),
  delegation: z
    .looseObject({ max_depth: z.number().int().min(0).max(32).default(DEFAULT_MAX_DELEGATION_DEPTH) })
    .default({ max_depth: DEFAULT_MAX_DELEGATION_DEPTH }),
});

export type RoutesFile = z.infer<typeof RoutesFileSchema>;

/** Reads routes.yaml from the global scope; a missing file means no rules. */
export class AgentRoutesRepository {
  constructor(private readonly scope: Scope) {}

  get path(): string {
    return this.scope.store.pathOf(ROUTES_KEY);
  }

  async read(): Promise<RoutesFile> {
    // Read through, not from the parsed-document cache: a hand edit applies to the very next request
    // (the file is small, and the cache only learns of edits when the watcher reports them).
    const text = await this.scope.store.readRaw(ROUTES_KEY);
    const data = text === null ? {} : yamlToObject(parseYamlDocument(text, ROUTES_KEY));
    const parsed = RoutesFileSchema.safeParse(data);
    if (parsed.success) return parsed.data;
    // A broken hand edit is the user's to fix: 422 naming the file and field, never a guess.
    throw new StorageError(
      "corrupt",
      "INVALID_ROUTES_FILE",
      `${this.path}: ${describeIssues(parsed.error).message}`,
      { path: this.path, issues: describeIssues(parsed.error).issues },
    );
  }
}
