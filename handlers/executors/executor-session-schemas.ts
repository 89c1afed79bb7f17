import { z } from "@hono/zod-openapi";

/** An executor's own session, as the original Viben gateway's ExecutorSession (plus cwd and size_bytes). */
export const NativeSessionSchema = z
  .object({
    id: z.string().openapi({ description: "The executor's own session id (what its --resume takes)" }),
    executor_type: z.string(),
    workspace_path: z.string().openapi({ description: "The directory the session ran in" }),
    cwd: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    name: z.string().optional().openapi({ description: "The first user message, shortened" }),
    message_count: z.number().int().optional(),
    size_bytes: z.number().int(),
  })
  .openapi("ExecutorSession");

/** A message of one, as the original Viben gateway's ExecutorUIMessage. */
export const NativeMessageSchema = z
  .object({
    id: z.string(),
    timestamp: z.string(),
    type: z.enum(["user", "text", "tool_use", "tool_result", "thinking"]),
    content: z.string().optional(),
    tool_use_id: z.string().optional(),
    tool_name: z.string().optional(),
    tool_input: z.unknown().optional(),
    tool_output: z.string().optional(),
    is_error: z.boolean().optional(),
  })
  .openapi("ExecutorSessionMessage");
