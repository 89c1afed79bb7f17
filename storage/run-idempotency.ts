import { conflict, invalid } from "./errors.js";
import { bodyDigest, IDEMPOTENCY_TTL_MS } from "./hooks-idempotency.js";
import { KeyedMutex } from "./lock.js";
import { isoTimestamp } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import type { SharedKeys } from "./shared-keys.js";
import { z } from "./zod.js";

/*
 * `Idempotency-Key` on run creation (POST /agent, /agent/async, /agent/stream, /api/runs): the first
 * request with a key starts a run and remembers `runs/idempotency/<sha256>.yaml` {run_id, body digest};
 * a retry with the same key and the same body gets that run again, one with another body a 409. Keys are
 * scoped per caller (API key name) so two callers never collide, and forgotten after a day like the
 * webhook's.
 */

const IdempotentRunSchema = z.looseObject({
  run_id: z.string().min(1),
  body_sha256: z.string(),
  created_at: isoTimestamp,
  expires_at: isoTimestamp,
});

const BASE = "runs:idempotency";
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

async function storeKeyOf(caller: string, key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${caller}\n${key}`));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${BASE}:${hex}.yaml`;
}

export class RunIdempotency {
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly scope: Scope,
    private readonly now: () => Date,
    /** Several instances: keys live there instead (so a retry on another instance finds the run). */
    private readonly shared?: SharedKeys,
  ) {}

  /**
   * The run id for (caller, key, body): the remembered one for a retry, else the one `start` makes, which
   * is remembered. Serialised per key, so simultaneous retries start one run. A key reused with another
   * body is refused (409 IDEMPOTENCY_KEY_REUSED).
   */
  async runFor(
    caller: string,
    key: string,
    body: unknown,
    start: () => Promise<string>,
  ): Promise<{ runId: string; replayed: boolean }> {
    if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw invalid("Idempotency-Key", `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
    const storeKey = await storeKeyOf(caller, key);
    const digest = await bodyDigest(body);
    return this.mutex.run(storeKey, async () => {
      if (this.shared) return this.runForShared(this.shared, storeKey, digest, start);
      const now = this.now();
      const stored = await this.scope.store.read(storeKey);
      const parsed = stored ? IdempotentRunSchema.safeParse(stored.data) : undefined;
      const live = parsed?.success && parsed.data.expires_at > now.toISOString() ? parsed.data : null;
      if (live) {
        if (live.body_sha256 !== digest) {
          throw conflict("IDEMPOTENCY_KEY_REUSED", "Idempotency-Key was already used with a different body", {
            run_id: live.run_id,
          });
        }
        return { runId: live.run_id, replayed: true };
      }
      const runId = await start();
      await this.scope.store.write(storeKey, {
        run_id: runId,
        body_sha256: digest,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + IDEMPOTENCY_TTL_MS).toISOString(),
      });
      return { runId, replayed: false };
    });
  }

  /**
   * The same promise across instances: the key is claimed (briefly, as "starting") before the run starts,
   * so a simultaneous retry on another instance is told to retry (409 IDEMPOTENCY_KEY_IN_PROGRESS, as
   * Stripe does) instead of starting a second run; a run that fails to start gives the key back.
   */
  private async runForShared(
    shared: SharedKeys,
    storeKey: string,
    digest: string,
    start: () => Promise<string>,
  ): Promise<{ runId: string; replayed: boolean }> {
    const held = await shared.setIfAbsent(
      storeKey,
      JSON.stringify({ run_id: "", body_sha256: digest }),
      STARTING_TTL_MS,
    );
    if (held !== null) {
      const record = parseShared(held);
      if (record.body_sha256 !== digest) {
        throw conflict("IDEMPOTENCY_KEY_REUSED", "Idempotency-Key was already used with a different body", {
          ...(record.run_id ? { run_id: record.run_id } : {}),
        });
      }
      if (!record.run_id) {
        throw conflict(
          "IDEMPOTENCY_KEY_IN_PROGRESS",
          "a request with this Idempotency-Key is starting its run; retry in a moment",
        );
      }
      return { runId: record.run_id, replayed: true };
    }
    let runId: string;
    try {
      runId = await start();
    } catch (error) {
      await shared.delete(storeKey).catch(() => undefined);
      throw error;
    }
    await shared.set(storeKey, JSON.stringify({ run_id: runId, body_sha256: digest }), IDEMPOTENCY_TTL_MS);
    return { runId, replayed: false };
  }
}

/** How long a key stays claimed by a request whose run is starting (an instance that died lets go). */
const STARTING_TTL_MS = 60_000;

function parseShared(text: string): { run_id: string; body_sha256: string } {
  try {
    const value = JSON.parse(text) as { run_id?: unknown; body_sha256?: unknown };
    return { run_id: String(value.run_id ?? ""), body_sha256: String(value.body_sha256 ?? "") };
  } catch {
    return { run_id: "", body_sha256: "" };
  }
}
