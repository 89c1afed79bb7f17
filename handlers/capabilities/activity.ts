import { z } from "@hono/zod-openapi";

/** One session's lane as OpenVesper answers it (apps/gateway/src/session-lane.ts). */
export const SessionLaneSchema = z
  .object({
    sessionKey: z.string(),
    state: z.enum(["idle", "running", "queued"]),
    runId: z.string().nullable(),
    runningMs: z.number().nullable(),
    waitersCount: z.number().openapi({ description: "Queued jobs waiting for this session" }),
    agentId: z.string().nullable().optional(),
  })
  .openapi("SessionLane");

/** Live runs per session, beside the queue's global limit. */
export const SessionLanesSchema = z
  .object({
    activeRuns: z.number(),
    globalMax: z.number().openapi({ description: "The queue's concurrency limit" }),
    lanes: z.array(SessionLaneSchema),
  })
  .openapi("SessionLanes");

export const RunCountsSchema = z
  .object({
    total: z.number().openapi({ description: "Runs started since the gateway started" }),
    active: z.number().openapi({ description: "Runs live now" }),
  })
  .openapi("RunCounts");

export type SessionLane = z.infer<typeof SessionLaneSchema>;
export type SessionLanes = z.infer<typeof SessionLanesSchema>;
export type RunCounts = z.infer<typeof RunCountsSchema>;

/** What is running now, kept in memory from the event bus (Node): /health and /lanes read it. */
export interface GatewayActivity {
  lanes(): Promise<SessionLanes>;
  runs(): RunCounts;
  /** Sessions with a live run. */
  sessionsActive(): number;
  /** Questions live interactive runs are waiting on an answer for (permissions, plans, questions). */
  pendingApprovals(): number;
}
