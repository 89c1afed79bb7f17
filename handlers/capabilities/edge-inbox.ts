import type { EdgeInboxItem, EdgeInboxReceipt } from "../../storage/edge-inbox-schemas.js";
import type { HookQueue } from "./queue.js";

export type { EdgeInboxItem, EdgeInboxReceipt } from "../../storage/edge-inbox-schemas.js";

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
