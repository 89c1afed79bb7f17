import type { HookQueue, QueueJob } from "./queue.js";

/** How the local gateway reports an inbox item it took over (`POST /api/edge/inbox/{id}/ack`). */
export interface EdgeInboxReceipt {
  /** `delivered`: queued by the local gateway (or found there already); `rejected`: refused for good. */
  status: "delivered" | "rejected";
  /** The local queue job's id. */
  local_job_id?: string;
  /** Why the local gateway refused it. */
  error?: string;
}

/** A webhook wake accepted at the edge: the queue job it asks for, until the local gateway takes it. */
export interface EdgeInboxItem extends QueueJob {
  acked_at?: string;
  receipt?: EdgeInboxReceipt;
}

/**
 * The durable inbox of webhook wakes accepted at the edge (Workers KV). Webhook intake enqueues into it in
 * place of the run queue; the local Node gateway pulls pending items and acknowledges each once.
 */
export interface EdgeInbox extends HookQueue {
  /** Items not yet acknowledged, oldest first. */
  pending(limit: number): Promise<EdgeInboxItem[]>;
  /** Marks an item taken over; acknowledging it again answers the first receipt. Null when unknown. */
  ack(id: string, receipt: EdgeInboxReceipt): Promise<EdgeInboxItem | null>;
}
