import { z } from "@hono/zod-openapi";

/** What `GET /api/heartbeat/status` answers. */
export const HeartbeatStatusSchema = z
  .object({
    enabled: z.boolean(),
    interval: z.number().nullable().openapi({ description: "Seconds between checks" }),
    agent_id: z.string().nullable(),
    last_run_at: z.string().nullable(),
    last_status: z.enum(["succeeded", "failed", "alert", "running"]).nullable(),
    next_run_at: z.string().nullable(),
    consecutive_failures: z.number(),
    last_run_id: z.string().nullable(),
    last_session_id: z.string().nullable(),
    last_error: z.string().nullable(),
  })
  .openapi("HeartbeatStatus");

export type HeartbeatStatus = z.infer<typeof HeartbeatStatusSchema>;

/** The periodic self-check configured in gateway.yaml `heartbeat:` (Node). */
export interface HeartbeatService {
  status(): Promise<HeartbeatStatus>;
  /** Re-reads gateway.yaml now and applies its `heartbeat` section. */
  reload(): Promise<HeartbeatStatus>;
}
