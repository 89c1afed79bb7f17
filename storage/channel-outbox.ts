import type { Scope } from "./scopes.js";
import { z } from "./zod.js";

/**
 * The channel outbox: one document per delivery (`channel-outbox/<id>.yaml`, written atomically), so a
 * delivery's state survives restarts and one (run, channel) pair never gets a second record.
 *
 * States: `pending` (waiting for its next attempt), `sending` (an attempt was recorded and the platform
 * call may be in flight), `delivered`, `failed` (given up), `uncertain` (a crash left an attempt in
 * `sending` on a platform that cannot be asked whether the message arrived: never sent again).
 */
export const DELIVERY_STATUSES = ["pending", "sending", "delivered", "failed", "uncertain"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DeliveryRecordSchema = z
  .object({
    id: z.string(),
    channel: z.string(),
    platform: z.string(),
    chat_id: z.string(),
    thread_id: z.string().optional(),
    text: z.string(),
    /** What asked for it: the run whose answer this is, or an inbound message (pairing replies). */
    run_id: z.string().optional(),
    session_id: z.string().optional(),
    job_id: z.string().optional(),
    /** The message to edit instead of sending a new one (a streamed answer's placeholder). */
    edit_message_id: z.string().optional(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int().min(0),
    max_attempts: z.number().int().min(1),
    /** Parts (of a message split at the platform's limit) the platform accepted, in order. */
    message_ids: z.array(z.string()),
    /** Sent with every attempt of this delivery (Discord nonce, webhook X-Viben-Delivery). */
    idempotency_key: z.string(),
    next_attempt_at: z.string().optional(),
    error: z.string().optional(),
    created_at: z.string(),
    updated_at: z.string(),
    delivered_at: z.string().optional(),
  })
  .loose();

export type DeliveryRecord = z.infer<typeof DeliveryRecordSchema>;

const BASE = "channel-outbox";
const keyOf = (id: string) => `${BASE}:${id}.yaml`;

/** The id of the one delivery of a run's answer to a channel. */
export const runDeliveryId = (runId: string, channel: string) => `run-${runId}--${channel}`;

export class ChannelOutboxRepository {
  constructor(private readonly scope: Scope) {}

  async get(id: string): Promise<DeliveryRecord | null> {
    const doc = await this.scope.store.read(keyOf(id));
    if (!doc) return null;
    const parsed = DeliveryRecordSchema.safeParse(doc.data);
    return parsed.success ? parsed.data : null;
  }

  /** Stores a new delivery; resolves false (and writes nothing) when one with its id exists. */
  async createIfAbsent(record: DeliveryRecord): Promise<boolean> {
    return (await this.scope.store.createIfAbsent(keyOf(record.id), record)) !== null;
  }

  async save(record: DeliveryRecord): Promise<void> {
    await this.scope.store.write(keyOf(record.id), record);
  }

  async list(): Promise<DeliveryRecord[]> {
    const keys = await this.scope.store.keys(BASE);
    const records: DeliveryRecord[] = [];
    for (const key of keys) {
      if (!key.endsWith(".yaml")) continue;
      const record = await this.get(key.slice(0, -".yaml".length));
      if (record) records.push(record);
    }
    return records.sort((a, b) => a.created_at.localeCompare(b.created_at));
  }
}

/** Which session continues a conversation on a channel: one per (channel, chat, thread, sender). */
export class ChannelSessionMap {
  constructor(private readonly scope: Scope) {}

  private async key(parts: string[]): Promise<string> {
    // A digest of the parts: any platform id becomes a safe, fixed-length file name.
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\u0000")));
    const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
    return `channel-sessions:${hex}.yaml`;
  }

  async get(parts: string[]): Promise<string | undefined> {
    const doc = await this.scope.store.read(await this.key(parts));
    const id = doc?.data.session_id;
    return typeof id === "string" ? id : undefined;
  }

  async set(parts: string[], sessionId: string): Promise<void> {
    await this.scope.store.write(await this.key(parts), { session_id: sessionId, key: parts });
  }
}
