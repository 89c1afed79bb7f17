import { QueueJobFields } from "./queue-schemas.js";
import { z } from "./zod.js";

/** How the local gateway reports an inbox item it took over (`POST /api/edge/inbox/{id}/ack`). */
export const EdgeInboxReceiptSchema = z.object({
  /** `delivered`: queued by the local gateway (or found there already); `rejected`: refused for good. */
  status: z.enum(["delivered", "rejected"]),
  /** The local queue job's id. */
  local_job_id: z.string().optional(),
  /** Why the local gateway refused it. */
  error: z.string().optional(),
});

export type EdgeInboxReceipt = z.infer<typeof EdgeInboxReceiptSchema>;

/** A webhook wake accepted at the edge: the queue job it asks for, until the local gateway takes it. */
export const EdgeInboxItemFields = QueueJobFields.extend({
  acked_at: z.string().optional(),
  receipt: EdgeInboxReceiptSchema.optional(),
});

/** As stored in KV: keys another gateway version wrote are kept. */
export const EdgeInboxItemSchema = EdgeInboxItemFields.loose();

export type EdgeInboxItem = z.infer<typeof EdgeInboxItemFields>;
