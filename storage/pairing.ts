import type { DocumentStore } from "./documents.js";
import { StorageError } from "./errors.js";
import { GATEWAY_CONFIG_KEY } from "./gateway-config.js";
import { describeIssues } from "./schema-helpers.js";
import { z } from "./zod.js";

export const PAIRING_FILE = "pairing.yaml";

/**
 * OpenVesper's DM policies: `pairing` (an unknown sender gets a one-time code and reaches no agent until
 * an operator approves it), `open` (everyone passes), `closed` (only senders approved beforehand).
 */
export const PAIRING_POLICIES = ["pairing", "open", "closed"] as const;
export type PairingPolicy = (typeof PAIRING_POLICIES)[number];
export type PairingState = "unknown" | "pending" | "approved" | "denied";

/** One hour: a code is read off a chat and approved by an operator at hand (OpenVesper used a day). */
export const DEFAULT_CODE_TTL_SECONDS = 3600;

/**
 * gateway.yaml `pairing:` — which channels gate unknown senders. The most specific entry wins: a channel
 * name in `channels`, then its platform in `platforms`, then `policy`; `open` when none is set, so a
 * gateway without the section behaves as before (access rules still apply).
 */
export const PairingSettingsSchema = z
  .object({
    policy: z.enum(PAIRING_POLICIES).optional(),
    code_ttl_seconds: z
      .number()
      .int()
      .min(30)
      .max(30 * 86_400)
      .optional(),
    platforms: z.record(z.string().min(1), z.enum(PAIRING_POLICIES)).optional(),
    channels: z.record(z.string().min(1), z.enum(PAIRING_POLICIES)).optional(),
  })
  .loose();

export interface PairingSettings {
  policyFor(channel: string, platform?: string): PairingPolicy;
  codeTtlMs: number;
}

export async function readPairingSettings(store: DocumentStore): Promise<PairingSettings> {
  const section = (await store.read(GATEWAY_CONFIG_KEY))?.data.pairing;
  const parsed = PairingSettingsSchema.safeParse(section ?? {});
  if (!parsed.success) {
    const { message, issues } = describeIssues(parsed.error);
    throw new StorageError("corrupt", "INVALID_GATEWAY_CONFIG", `gateway.yaml: pairing.${message}`, {
      issues,
    });
  }
  const s = parsed.data;
  return {
    policyFor: (channel, platform) =>
      s.channels?.[channel] ??
      (platform ? s.platforms?.[platform] : undefined) ??
      s.platforms?.[channel] ??
      s.policy ??
      "open",
    codeTtlMs: (s.code_ttl_seconds ?? DEFAULT_CODE_TTL_SECONDS) * 1000,
  };
}

const EntrySchema = z
  .object({
    channel: z.string(),
    identity: z.string(),
    state: z.enum(["pending", "approved", "denied"]),
    code: z.string().optional(),
    display_name: z.string().optional(),
    created_at: z.number(),
    updated_at: z.number(),
    expires_at: z.number().optional(),
  })
  .loose();

export type PairingEntry = z.output<typeof EntrySchema>;

/** What the gate says about one message (OpenVesper's actions). */
export type PairingGateDecision =
  | { action: "process" }
  | { action: "reply-with-code"; code: string; firstTime: boolean; expiresAt: number }
  | { action: "drop" }
  | { action: "reject" };

/**
 * Paired senders per channel, in `~/.viben/pairing.yaml`. Writes replace the file atomically under the
 * store's per-key lock, so two messages from one new sender get one code. Expiry is read off the clock
 * it is given, so tests move time instead of waiting.
 */
export class PairingRepository {
  constructor(
    private readonly store: DocumentStore,
    private readonly now: () => Date,
  ) {}

  async list(filter: { state?: PairingState; channel?: string } = {}): Promise<PairingEntry[]> {
    const now = this.now().getTime();
    return (await this.entries())
      .map((e) => (isExpired(e, now) ? null : e))
      .filter((e): e is PairingEntry => e !== null)
      .filter((e) => (filter.state ? e.state === filter.state : true))
      .filter((e) => (filter.channel ? e.channel === filter.channel : true))
      .sort((a, b) => b.updated_at - a.updated_at);
  }

  /** The sender's state; a pending code past its expiry reads as unknown. */
  async lookup(channel: string, identity: string): Promise<PairingEntry | null> {
    const entry = (await this.entries()).find((e) => e.channel === channel && e.identity === identity);
    return entry && !isExpired(entry, this.now().getTime()) ? entry : null;
  }

  /** OpenVesper's gate: approved → process, denied → drop, else by policy (a code, or reject). */
  async gate(
    channel: string,
    identity: string,
    policy: PairingPolicy,
    ttlMs: number,
    displayName?: string,
  ): Promise<PairingGateDecision> {
    if (policy === "open") return { action: "process" };
    let decision: PairingGateDecision = { action: "reject" };
    await this.mutate((entries, now) => {
      const at = entries.findIndex((e) => e.channel === channel && e.identity === identity);
      const entry = at >= 0 && !isExpired(entries[at]!, now) ? entries[at]! : null;
      if (entry?.state === "approved") decision = { action: "process" };
      else if (entry?.state === "denied") decision = { action: "drop" };
      else if (policy === "closed") decision = { action: "reject" };
      else if (entry?.state === "pending" && entry.code && entry.expires_at) {
        decision = {
          action: "reply-with-code",
          code: entry.code,
          firstTime: false,
          expiresAt: entry.expires_at,
        };
      } else {
        const taken = new Set(entries.filter((e) => e.channel === channel && e.code).map((e) => e.code));
        const code = newCode(taken);
        const fresh: PairingEntry = {
          channel,
          identity,
          state: "pending",
          code,
          ...(displayName ? { display_name: displayName } : {}),
          created_at: now,
          updated_at: now,
          expires_at: now + ttlMs,
        };
        if (at >= 0) entries[at] = fresh;
        else entries.push(fresh);
        decision = { action: "reply-with-code", code, firstTime: true, expiresAt: fresh.expires_at! };
        return true;
      }
      return false;
    });
    return decision;
  }

  /** Approves the sender holding a live code; null when no pending entry has it (wrong or expired). */
  async approveByCode(channel: string, code: string): Promise<PairingEntry | null> {
    let approved: PairingEntry | null = null;
    await this.mutate((entries, now) => {
      const at = entries.findIndex(
        (e) => e.channel === channel && e.state === "pending" && e.code === code && !isExpired(e, now),
      );
      if (at < 0) return false;
      approved = settled(entries[at]!, "approved", now);
      entries[at] = approved;
      return true;
    });
    return approved;
  }

  /** Approves or denies a sender by identity, whatever its state. */
  async settle(channel: string, identity: string, state: "approved" | "denied"): Promise<PairingEntry> {
    let result: PairingEntry | undefined;
    await this.mutate((entries, now) => {
      const at = entries.findIndex((e) => e.channel === channel && e.identity === identity);
      const base: PairingEntry =
        at >= 0 ? entries[at]! : { channel, identity, state, created_at: now, updated_at: now };
      result = settled(base, state, now);
      if (at >= 0) entries[at] = result;
      else entries.push(result);
      return true;
    });
    return result!;
  }

  /** Forgets a sender (it pairs again from scratch); false when it was unknown. */
  async revoke(channel: string, identity: string): Promise<boolean> {
    let removed = false;
    await this.mutate((entries) => {
      const at = entries.findIndex((e) => e.channel === channel && e.identity === identity);
      if (at < 0) return false;
      entries.splice(at, 1);
      removed = true;
      return true;
    });
    return removed;
  }

  private async entries(): Promise<PairingEntry[]> {
    const raw = (await this.store.read(PAIRING_FILE))?.data.entries;
    return parseEntries(raw, this.store.pathOf(PAIRING_FILE));
  }

  /** Read-modify-write under the file's lock; `change` answers whether to write. */
  private async mutate(change: (entries: PairingEntry[], now: number) => boolean): Promise<void> {
    await this.store.update(PAIRING_FILE, (doc) => {
      const next = doc ?? this.store.emptyDocument();
      const entries = parseEntries(doc?.toJS()?.entries, this.store.pathOf(PAIRING_FILE));
      if (!change(entries, this.now().getTime())) return null;
      next.set("entries", next.createNode(entries));
      return next;
    });
  }
}

function parseEntries(raw: unknown, path: string): PairingEntry[] {
  if (raw === undefined || raw === null) return [];
  const parsed = z.array(EntrySchema).safeParse(raw);
  if (!parsed.success) {
    throw new StorageError(
      "corrupt",
      "INVALID_PAIRING_FILE",
      `${path}: ${describeIssues(parsed.error).message}`,
      {
        file: path,
      },
    );
  }
  return parsed.data;
}

function isExpired(entry: PairingEntry, now: number): boolean {
  return entry.state === "pending" && entry.expires_at !== undefined && now >= entry.expires_at;
}

function settled(entry: PairingEntry, state: "approved" | "denied", now: number): PairingEntry {
  const { code: _code, expires_at: _expires, ...rest } = entry;
  return { ...rest, state, updated_at: now };
}

/** Six random digits, not one a live entry of the channel holds (so a code names one sender). */
function newCode(taken: Set<string | undefined>): string {
  for (;;) {
    const value = crypto.getRandomValues(new Uint32Array(1))[0]! % 1_000_000;
    const code = String(value).padStart(6, "0");
    if (!taken.has(code)) return code;
  }
}
