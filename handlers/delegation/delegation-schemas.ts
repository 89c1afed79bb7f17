import { z } from "@hono/zod-openapi";
import { MAX_CONTEXT_CHARS } from "../../storage/agent-context.js";
import { idSchema } from "../../storage/schema-helpers.js";

/*
 * Request and answer shapes of the routing and delegation routes. Each body takes OpenVesper's camelCase
 * fields (`delegateAgent`, `query`, `parentSessionKey`, …) and our snake_case ones; `either` settles which
 * was given, so one handler serves both spellings.
 */

const text = (max: number) => z.string().min(1, "must not be empty").max(max);
const TASK_CHARS = 1_000_000;
/** A conversation key (OpenVesper's sessionKey, or one of our session ids); never a file name. */
const sessionKey = z.string().min(1).max(512);

/** The first of the given fields that is set, or undefined. */
export function either<T>(...values: (T | undefined)[]): T | undefined {
  return values.find((v) => v !== undefined);
}

/** Refuses a body where none of the spellings of a required field is given, naming them. */
function requireOne<T extends Record<string, unknown>>(fields: (keyof T & string)[]) {
  return (body: T, ctx: z.RefinementCtx) => {
    if (fields.some((f) => body[f] !== undefined)) return;
    ctx.addIssue({
      code: "custom",
      path: [fields[0]!],
      message: `required (or ${fields.slice(1).join(", ")})`,
    });
  };
}

export const RouteRequestSchema = z
  .object({
    message: text(TASK_CHARS),
    channel: z.string().max(200).optional(),
    sender: z.string().max(500).optional(),
    workspace_path: z.string().optional(),
    currentAgent: idSchema.optional().openapi({ description: "OpenVesper: the agent answering now" }),
    current_agent: idSchema.optional(),
    classify: z
      .boolean()
      .optional()
      .openapi({ description: "Ask the classifier agent when no rule matches (default true)" }),
  })
  .openapi("RouteRequest");

export const RouteDecisionSchema = z
  .object({
    agent_id: z.string().nullable(),
    decided_by: z.enum(["rule", "classifier", "fallback", "current", "default", "none"]),
    explanation: z.string(),
    rule: z
      .object({ id: z.string().nullable(), index: z.number().int(), matched: z.array(z.string()) })
      .optional(),
    classifier: z
      .object({
        agent_id: z.string(),
        candidates: z.array(z.string()),
        run_id: z.string().optional(),
        reply: z.string().optional(),
        error: z.string().optional(),
      })
      .optional(),
    mode: z.string().openapi({ description: "OpenVesper: the chosen agent, else the current one or `auto`" }),
    score: z.number(),
    reason: z.string(),
  })
  .openapi("RouteDecision");

export const RouteRuleViewSchema = z
  .object({
    id: z.string().nullable(),
    index: z.number().int(),
    agent: z.string(),
    description: z.string().optional(),
    channel: z.union([z.string(), z.array(z.string())]).optional(),
    sender: z.union([z.string(), z.array(z.string())]).optional(),
    keywords: z.array(z.string()).optional(),
    regex: z.string().optional(),
    workspace: z.union([z.string(), z.array(z.string())]).optional(),
  })
  .passthrough()
  .openapi("RouteRule");

export const OriginalRouteSchema = RouteRuleViewSchema.extend({
  mode: z.string(),
  name: z.string(),
  tags: z.array(z.string()),
  keywords: z.array(z.string()),
  description: z.string(),
}).openapi("AgentRoute");

export const RoutesViewSchema = z
  .object({
    path: z.string(),
    rules: z.array(RouteRuleViewSchema),
    classifier: z
      .object({
        agent: z.string(),
        candidates: z.array(z.string()).optional(),
        instructions: z.string().optional(),
      })
      .passthrough()
      .nullable(),
    fallback_agent: z.string().nullable(),
    delegation: z.object({ max_depth: z.number().int() }),
  })
  .openapi("AgentRoutes");

export const DelegateRequestSchema = z
  .object({
    delegateAgent: idSchema.optional().openapi({ description: "OpenVesper spelling of agent_id" }),
    agent_id: idSchema.optional(),
    query: text(TASK_CHARS).optional().openapi({ description: "OpenVesper spelling of task" }),
    task: text(TASK_CHARS).optional(),
    parentSessionKey: sessionKey.optional(),
    parent_session_key: sessionKey.optional(),
    parent_run_id: z.string().min(1).max(200).optional(),
    channel: z.string().max(200).optional(),
    inheritContext: z.boolean().optional(),
    inherit_context: z.boolean().optional(),
    session_id: idSchema.optional().openapi({ description: "Continue this session of the target agent" }),
    workdir: z.string().optional(),
    workspace_path: z.string().optional(),
  })
  .superRefine(requireOne(["agent_id", "delegateAgent"]))
  .superRefine(requireOne(["task", "query"]))
  .openapi("DelegateRequest");

export const DelegationSchema = z
  .object({
    id: z.string(),
    agent_id: z.string(),
    task: z.string(),
    parent_session_key: z.string().optional(),
    parent_run_id: z.string().optional(),
    parent_agent_id: z.string().optional(),
    channel: z.string(),
    depth: z.number().int(),
    session_id: z.string(),
    run_id: z.string(),
    status: z.enum(["completed", "failed", "stopped", "timeout"]),
    reply: z.string(),
    error: z.string().optional(),
    tokens: z.object({ input: z.number(), output: z.number() }),
    cost_cents: z.number(),
    started_at: z.string(),
    duration_ms: z.number(),
  })
  .openapi("Delegation");

export const DelegateAnswerSchema = DelegationSchema.extend({
  delegatedTo: z.string(),
  durationMs: z.number(),
  subSessionKey: z.string(),
}).openapi("DelegateAnswer");

const SubTaskSchema = z
  .object({
    agent: idSchema.optional().openapi({ description: "OpenVesper spelling of agent_id" }),
    agent_id: idSchema.optional(),
    query: text(TASK_CHARS).optional(),
    task: text(TASK_CHARS).optional(),
  })
  .superRefine(requireOne(["agent_id", "agent"]))
  .superRefine(requireOne(["task", "query"]));

export const MAX_SUBAGENTS = 10;

export const SubagentsRequestSchema = z
  .object({
    tasks: z
      .array(SubTaskSchema)
      .min(1, "give at least one task")
      .max(MAX_SUBAGENTS, `at most ${MAX_SUBAGENTS} sub-agents at once`),
    parentSessionKey: sessionKey.optional(),
    parent_session_key: sessionKey.optional(),
    parent_run_id: z.string().min(1).max(200).optional(),
    channel: z.string().max(200).optional(),
    inheritContext: z.boolean().optional(),
    inherit_context: z.boolean().optional(),
  })
  .openapi("SubagentsRequest");

export const SubagentResultSchema = z
  .object({
    agent: z.string(),
    query: z.string(),
    reply: z.string(),
    durationMs: z.number(),
    error: z.string().optional(),
    code: z.string().optional(),
    delegation: DelegationSchema.optional(),
  })
  .openapi("SubagentResult");

export const SubagentsAnswerSchema = z
  .object({ count: z.number().int(), results: z.array(SubagentResultSchema) })
  .openapi("SubagentsAnswer");

export const HandoffRequestSchema = z
  .object({
    sessionKey: idSchema.optional().openapi({ description: "OpenVesper spelling of session_id" }),
    session_id: idSchema.optional(),
    newAgent: idSchema.optional().openapi({ description: "OpenVesper spelling of agent_id" }),
    agent_id: idSchema.optional(),
    message: text(TASK_CHARS)
      .optional()
      .openapi({ description: "What the new agent is asked now (runs it)" }),
    context: z.string().max(MAX_CONTEXT_CHARS).optional(),
  })
  .superRefine(requireOne(["session_id", "sessionKey"]))
  .superRefine(requireOne(["agent_id", "newAgent"]))
  .openapi("HandoffRequest");

export const HandoffAnswerSchema = z
  .object({
    ok: z.literal(true),
    session_id: z.string(),
    from_agent_id: z.string(),
    agent_id: z.string(),
    run: z
      .object({
        run_id: z.string(),
        status: z.enum(["completed", "failed", "stopped", "timeout"]),
        reply: z.string(),
        error: z.string().optional(),
      })
      .optional(),
  })
  .openapi("HandoffAnswer");

export const AgentContextRequestSchema = z
  .object({
    sessionKey: sessionKey.optional(),
    session_key: sessionKey.optional(),
    context: z
      .string()
      .max(MAX_CONTEXT_CHARS)
      .optional()
      .openapi({ description: "Stores it; an empty string clears it" }),
  })
  .openapi("AgentContextRequest");

export const AgentContextSchema = z
  .object({
    agent: z.string(),
    session_key: z.string(),
    sessionKey: z.string(),
    context: z.string(),
    updated_at: z.string().nullable(),
    promptLength: z.number().int(),
    layers: z.array(
      z.object({ name: z.string(), priority: z.number(), enabled: z.boolean(), length: z.number().int() }),
    ),
    prompt: z.string(),
  })
  .openapi("AgentContext");
