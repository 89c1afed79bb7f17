import { idSchema, isoTimestamp } from "./schema-helpers.js";
import { z } from "./zod.js";

export const TokensSchema = z.object({
  input: z.number().int().nonnegative(),
  output: z.number().int().nonnegative(),
});

export type Tokens = z.infer<typeof TokensSchema>;

/** A run's state in `last_run`; a finished run has one of the history statuses. */
export const RUN_STATUSES = ["running", "completed", "failed", "stopped", "timeout"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const LastRunSchema = z.looseObject({
  run_id: z.string().min(1),
  status: z.enum(RUN_STATUSES),
  started_at: isoTimestamp,
  ended_at: isoTimestamp.optional(),
  error: z.string().optional(),
  // null when the process was ended by a signal.
  exit_code: z.number().int().nullable().optional(),
});

/**
 * `sessions/<sid>/session.yaml`. Counters default so a hand-written file needs only the identity fields;
 * unknown keys are kept.
 */
export const SessionMetaSchema = z.looseObject({
  id: idSchema,
  agent_id: idSchema,
  agent_source: z.enum(["global", "workspace"]),
  workspace_path: z.string(),
  workdir: z.string(),
  executor_type: z.string().optional(),
  native_session_id: z.string().optional(),
  title: z.string().default(""),
  status: z.enum(["idle", "running"]).default("idle"),
  created_at: isoTimestamp,
  last_activity: isoTimestamp,
  message_count: z.number().int().nonnegative().default(0),
  tokens: TokensSchema.default({ input: 0, output: 0 }),
  cost_cents: z.number().nonnegative().default(0),
  last_run: LastRunSchema.optional(),
  // Fields of the original Viben's sessions, kept for its clients.
  prompt: z.string().nullable().optional(),
  task_id: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export type SessionRecord = z.infer<typeof SessionMetaSchema>;
export type SessionMeta = SessionRecord;

export const CreateSessionSchema = z.object({
  id: idSchema.optional(),
  agent_id: idSchema,
  agent_source: z.enum(["global", "workspace"]),
  workspace_path: z.string().min(1),
  workdir: z.string().min(1),
  executor_type: z.string().min(1).optional(),
  native_session_id: z.string().min(1).optional(),
  title: z.string().optional(),
  prompt: z.string().optional(),
  task_id: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export type CreateSessionInput = z.input<typeof CreateSessionSchema>;

export const MESSAGE_ROLES = ["user", "assistant", "tool", "system"] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

// Some executors report tool calls without an id, so an empty one is accepted.
export const ToolCallSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
});

export type ToolCall = z.infer<typeof ToolCallSchema>;

/** What a caller supplies for a message; the repository assigns seq and session_id (and id/timestamp if absent). */
export const MessageInputSchema = z.looseObject({
  id: z.string().min(1).max(256).optional(),
  run_id: z.string().min(1).optional(),
  role: z.enum(MESSAGE_ROLES),
  content: z.string(),
  timestamp: isoTimestamp.optional(),
  tool_calls: z.array(ToolCallSchema).optional(),
  tool_use_id: z.string().min(1).optional(),
  tool_name: z.string().optional(),
  is_error: z.boolean().optional(),
  tokens: TokensSchema.optional(),
});

export type SessionMessageInput = z.input<typeof MessageInputSchema>;
export type MessageInput = SessionMessageInput;

/** One line of `sessions/<sid>/messages.jsonl`. */
export const SessionMessageSchema = MessageInputSchema.extend({
  id: z.string().min(1),
  seq: z.number().int().positive(),
  session_id: z.string(),
  timestamp: isoTimestamp,
});

export type SessionMessage = z.infer<typeof SessionMessageSchema>;
