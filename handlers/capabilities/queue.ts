import { z } from "@hono/zod-openapi";
import {
  QueueAttemptSchema,
  QueueJobFields,
  type QueueJobInput,
  type QueueJobStatus,
  type QueueSource,
} from "../../storage/queue-schemas.js";

export type {
  QueueAttempt,
  QueueJobInput,
  QueueJobStatus,
  QueueSource,
} from "../../storage/queue-schemas.js";

/** A job as the queue answers it: the stored fields plus those computed when read. */
const QueueJobViewFields = QueueJobFields.extend({
  /** 1-based place among queued jobs in run order (queued jobs only). */
  position: z.number().optional().openapi({ description: "1-based place in run order (queued jobs)" }),
  /** Milliseconds since `queued_at` (queued jobs only). */
  waiting_ms: z.number().optional().openapi({ description: "Time in the queue so far (queued jobs)" }),
});

/** The answer's schema: loose, as a newer gateway may add fields. */
export const QueueJobSchema = QueueJobViewFields.extend({
  attempt_log: z.array(QueueAttemptSchema).optional(),
})
  .loose()
  .openapi("QueueJob");

export type QueueJob = z.infer<typeof QueueJobViewFields>;

/** Running and queued jobs of one lane, beside its limit. */
const QueueLaneUsageSchema = z.object({ running: z.number(), queued: z.number(), limit: z.number() });

export const QueueLaneReportSchema = z
  .object({
    limits: z.object({ concurrency: z.number(), per_agent: z.number(), per_workspace: z.number() }),
    global: QueueLaneUsageSchema,
    agents: z.array(QueueLaneUsageSchema.extend({ agent_id: z.string() })),
    workspaces: z.array(QueueLaneUsageSchema.extend({ workspace_path: z.string() })),
  })
  .openapi("QueueLanes");

export type QueueLaneUsage = z.infer<typeof QueueLaneUsageSchema>;
export type QueueLaneReport = z.infer<typeof QueueLaneReportSchema>;

/**
 * The durable queue of agent runs (Node). Jobs survive restarts; concurrency is limited per lane
 * (global, per agent, per workspace). Cron, webhooks, tasks and the heartbeat all enqueue here.
 */
export interface RunQueue {
  enqueue(input: QueueJobInput): Promise<QueueJob>;
  get(id: string): Promise<QueueJob | null>;
  list(filter?: {
    status?: QueueJobStatus;
    agent_id?: string;
    source?: QueueSource;
    limit?: number;
  }): Promise<QueueJob[]>;
  /** Cancels a queued job, or stops a running one. */
  cancel(id: string): Promise<QueueJob>;
  /** Resolves with the job once it reaches a final status. */
  waitFor(id: string): Promise<QueueJob>;
  /** Running and queued jobs per lane (global, agent, workspace) with their limits. Optional for fakes. */
  lanes?(): Promise<QueueLaneReport>;
}

/** What webhook intake needs of a queue: the run queue on Node, the edge inbox on Workers. */
export type HookQueue = Pick<RunQueue, "enqueue" | "get" | "list">;
