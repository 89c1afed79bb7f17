import { z } from "@hono/zod-openapi";
import { idSchema } from "../../storage/schema-helpers.js";
import {
  BACKGROUND_TASK_KINDS,
  BACKGROUND_TASK_STATUSES,
  type BackgroundTaskInput,
} from "../capabilities/background-tasks.js";

const DAY_MS = 86_400_000;
/** Shorter recurrences would keep a lane busy with nothing but this task. */
const MIN_RECUR_MS = 1000;

const sessionKey = z.string().min(1, "must not be empty").max(500);
/** The latest time a JavaScript Date holds (epoch ms). */
const MAX_TIME_MS = 8_640_000_000_000_000;
const runAt = z
  .number()
  .int()
  .nonnegative()
  .max(MAX_TIME_MS)
  .openapi({ description: "Epoch ms; now when absent" });
const recurEvery = z
  .number()
  .int()
  .min(MIN_RECUR_MS, `must be at least ${MIN_RECUR_MS} ms`)
  .max(365 * DAY_MS)
  .openapi({ description: "Run again this long after each run ends" });

/**
 * `POST /tasks` and `POST /api/background-tasks` take OpenVesper's body ({kind, sessionKey, agent, channel,
 * payload, runAt, recurEveryMs}) or our snake_case spelling of it; unknown fields are ignored.
 */
export const BackgroundTaskRequestSchema = z
  .object({
    kind: z.enum(BACKGROUND_TASK_KINDS),
    sessionKey: sessionKey.optional(),
    session_key: sessionKey.optional(),
    agent: idSchema
      .optional()
      .openapi({ description: "The agent that runs it; the default agent when absent" }),
    agent_id: idSchema.optional(),
    channel: z.string().min(1).max(100).optional().openapi({ description: "Default rest" }),
    payload: z.string().min(1, "must not be empty").max(1_000_000),
    runAt: runAt.optional(),
    run_at: runAt.optional(),
    recurEveryMs: recurEvery.optional(),
    recur_every_ms: recurEvery.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.sessionKey === undefined && body.session_key === undefined)
      ctx.addIssue({ code: "custom", path: ["sessionKey"], message: "is required" });
  })
  .openapi("BackgroundTaskRequest");

export type BackgroundTaskRequest = z.infer<typeof BackgroundTaskRequestSchema>;

export function backgroundTaskInput(body: BackgroundTaskRequest): BackgroundTaskInput {
  const agent = body.agent ?? body.agent_id;
  const at = body.runAt ?? body.run_at;
  const recur = body.recurEveryMs ?? body.recur_every_ms;
  return {
    kind: body.kind,
    sessionKey: (body.sessionKey ?? body.session_key) as string,
    ...(agent === undefined ? {} : { agent }),
    ...(body.channel === undefined ? {} : { channel: body.channel }),
    payload: body.payload,
    ...(at === undefined ? {} : { runAt: at }),
    ...(recur === undefined ? {} : { recurEveryMs: recur }),
  };
}

export const BackgroundTaskListQuerySchema = z.object({
  status: z.enum(BACKGROUND_TASK_STATUSES).optional(),
  sessionKey: z.string().min(1).max(500).optional(),
  session_key: z.string().min(1).max(500).optional(),
});

export const TaskIdParams = z.object({
  id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "t_1767225600000_3f9a1c2e" }),
});
