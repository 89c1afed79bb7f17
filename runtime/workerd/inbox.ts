import type { Storage } from "unstorage";
import type { EdgeInbox, EdgeInboxItem, EdgeInboxReceipt } from "../../handlers/capabilities/edge-inbox.js";
import type { QueueJob, QueueJobInput, RunQueue } from "../../handlers/capabilities/queue.js";
import { EdgeInboxItemSchema } from "../../storage/edge-inbox-schemas.js";
import { idProblem } from "../../storage/ids.js";
import { KeyedMutex } from "../../storage/lock.js";
import { EDGE_KEYS } from "./manifest.js";

/** How long an acknowledged item is kept, so an Idempotency-Key replay still finds its run id. */
const ACKED_TTL_SECONDS = 7 * 24 * 3600;

const pendingKey = (id: string) => `${EDGE_KEYS.inbox}:${id}`;
const doneKey = (id: string) => `${EDGE_KEYS.inboxDone}:${id}`;

/**
 * The edge's durable webhook inbox in KV: `inbox:<id>` per accepted wake until the local gateway
 * acknowledges it, then `inbox-done:<id>` for a week. Ids start with the time in base 36, so KV's sorted
 * key listing is arrival order. KV is eventually consistent across locations, so the local gateway also
 * de-duplicates (by inbox id, or by the sender's Idempotency-Key) when it queues an item.
 */
export class KvEdgeInbox implements EdgeInbox {
  private readonly acks = new KeyedMutex();

  constructor(
    private readonly kv: Storage,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async enqueue(input: QueueJobInput): Promise<QueueJob> {
    const at = this.now();
    const id = `${at.getTime().toString(36).padStart(9, "0")}-${crypto.randomUUID()}`;
    const item: EdgeInboxItem = {
      ...input,
      id,
      status: "queued",
      attempts: 0,
      created_at: at.toISOString(),
      queued_at: at.toISOString(),
    };
    await this.kv.setItem(pendingKey(id), JSON.stringify(item));
    return item;
  }

  async get(id: string): Promise<EdgeInboxItem | null> {
    if (idProblem(id)) return null;
    return (await this.read(doneKey(id))) ?? (await this.read(pendingKey(id)));
  }

  async list(filter: Parameters<RunQueue["list"]>[0] = {}): Promise<QueueJob[]> {
    const items = [...(await this.readAll(EDGE_KEYS.inbox)), ...(await this.readAll(EDGE_KEYS.inboxDone))];
    return items
      .filter((i) => filter.status === undefined || i.status === filter.status)
      .filter((i) => filter.agent_id === undefined || i.agent_id === filter.agent_id)
      .filter((i) => filter.source === undefined || i.source === filter.source)
      .slice(0, filter.limit ?? items.length);
  }

  async pending(limit: number): Promise<EdgeInboxItem[]> {
    return this.readAll(EDGE_KEYS.inbox, limit);
  }

  async ack(id: string, receipt: EdgeInboxReceipt): Promise<EdgeInboxItem | null> {
    if (idProblem(id)) return null;
    return this.acks.run(id, async () => {
      const done = await this.read(doneKey(id));
      if (done) return done;
      const item = await this.read(pendingKey(id));
      if (!item) return null;
      const acked: EdgeInboxItem = { ...item, acked_at: this.now().toISOString(), receipt };
      // Written before the pending key goes: a failure in between leaves an item that is both, which
      // reads as acknowledged and is delivered again at worst (the local side de-duplicates).
      await this.kv.setItem(doneKey(id), JSON.stringify(acked), { ttl: ACKED_TTL_SECONDS });
      await this.kv.removeItem(pendingKey(id));
      return acked;
    });
  }

  private async readAll(prefix: string, limit?: number): Promise<EdgeInboxItem[]> {
    const keys = (await this.kv.getKeys(prefix)).filter((k) => k.startsWith(`${prefix}:`)).sort();
    const wanted = limit === undefined ? keys : keys.slice(0, limit);
    const items = await Promise.all(wanted.map((k) => this.read(k)));
    return items.filter((i): i is EdgeInboxItem => i !== null);
  }

  private async read(key: string): Promise<EdgeInboxItem | null> {
    const raw = await this.kv.getItemRaw(key);
    if (typeof raw !== "string") return null;
    try {
      const parsed = EdgeInboxItemSchema.safeParse(JSON.parse(raw));
      // The shape was written by enqueue(); the loose check guards against foreign values under the prefix.
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }
}
