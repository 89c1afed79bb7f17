import { conflict } from "./errors.js";
import { KeyedMutex } from "./lock.js";
import { isoTimestamp } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import type { SharedKeys } from "./shared-keys.js";
import { z } from "./zod.js";

/** How long an Idempotency-Key is remembered (a sender retrying a day later starts a new run). */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

/**
 * `hooks/deliveries/<sha256>.yaml`: one webhook delivery's Idempotency-Key. `delivery_id` is reserved
 * (and written) before the run is queued and becomes the queue job's `source_id`, so a delivery retried
 * after a crash in between finds its job instead of queueing a second one.
 */
export const HookDeliverySchema = z.looseObject({
  delivery_id: z.string().min(1),
  token: z.string(),
  job_id: z.string().optional(),
  session_id: z.string().optional(),
  /** SHA-256 of the delivery's body (canonical JSON): the key replays only for the same body. */
  body_sha256: z.string().optional(),
  created_at: isoTimestamp,
  expires_at: isoTimestamp,
});

export type HookDelivery = z.infer<typeof HookDeliverySchema>;

const BASE = "hooks:deliveries";
const PRUNE_EVERY_MS = 3_600_000;

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** JSON with object keys sorted, so that the same body digests the same whatever its key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The digest stored with an Idempotency-Key (`body_sha256`): SHA-256 of the body as canonical JSON. */
export function bodyDigest(body: unknown): Promise<string> {
  return sha256Hex(canonicalJson(body));
}

export class HookDeliveryRepository {
  private readonly mutex = new KeyedMutex();
  private lastPrune = 0;

  constructor(
    private readonly scope: Scope,
    private readonly now: () => Date,
    /**
     * Several instances: deliveries live there instead, and a delivery reserved but not yet queued is being
     * delivered by another instance (409 IDEMPOTENCY_KEY_IN_PROGRESS) until its reservation expires.
     */
    private readonly shared?: SharedKeys,
  ) {}

  /**
   * Runs `work` with the delivery remembered under (token, key), serialised per key so that two
   * simultaneous retries do not both queue. Keys are scoped per hook token: senders cannot collide.
   */
  async withKey<T>(
    token: string,
    key: string,
    work: (current: HookDelivery | null, path: string) => Promise<T>,
  ): Promise<T> {
    const storeKey = `${BASE}:${await sha256Hex(`${token}\n${key}`)}.yaml`;
    return this.mutex.run(storeKey, async () => {
      if (this.shared) {
        const held = parseDelivery(await this.shared.get(storeKey));
        if (held && !held.job_id) throw deliveryInProgress();
        return work(held, storeKey);
      }
      const stored = await this.scope.store.read(storeKey);
      const parsed = stored ? HookDeliverySchema.safeParse(stored.data) : undefined;
      const live = parsed?.success && parsed.data.expires_at > this.now().toISOString() ? parsed.data : null;
      return work(live, storeKey);
    });
  }

  async save(storeKey: string, delivery: HookDelivery): Promise<void> {
    if (this.shared) {
      const text = JSON.stringify(delivery);
      if (delivery.job_id) {
        const ttl = Date.parse(delivery.expires_at) - this.now().getTime();
        await this.shared.set(storeKey, text, Math.max(1000, ttl));
      } else if ((await this.shared.setIfAbsent(storeKey, text, RESERVATION_TTL_MS)) !== null) {
        // Another instance reserved the key between our read and this write.
        throw deliveryInProgress();
      }
      return;
    }
    await this.scope.store.write(storeKey, delivery);
  }

  newDelivery(token: string, deliveryId: string, bodySha256: string): HookDelivery {
    const now = this.now();
    return {
      delivery_id: deliveryId,
      token,
      body_sha256: bodySha256,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + IDEMPOTENCY_TTL_MS).toISOString(),
    };
  }

  /** Forgets expired keys, at most once an hour (called on deliveries; cheap when nothing is due). */
  async pruneExpired(): Promise<number> {
    // Shared keys expire by themselves.
    if (this.shared) return 0;
    const now = this.now();
    if (now.getTime() - this.lastPrune < PRUNE_EVERY_MS) return 0;
    this.lastPrune = now.getTime();
    let removed = 0;
    for (const name of await this.scope.store.keys(BASE)) {
      const key = `${BASE}:${name}`;
      const stored = await this.scope.store.read(key).catch(() => null);
      const expires = stored?.data.expires_at;
      if (typeof expires !== "string" || expires <= now.toISOString()) {
        await this.scope.store.remove([key]);
        removed++;
      }
    }
    return removed;
  }
}

/** How long a reserved delivery may take to reach the queue before another instance may deliver it. */
const RESERVATION_TTL_MS = 60_000;

function parseDelivery(text: string | null): HookDelivery | null {
  if (text === null) return null;
  try {
    const parsed = HookDeliverySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const deliveryInProgress = () =>
  conflict(
    "IDEMPOTENCY_KEY_IN_PROGRESS",
    "a delivery with this Idempotency-Key is being queued by another gateway instance; retry in a moment",
  );
