import { isoTimestamp } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import { z } from "./zod.js";

/*
 * The run registry's durable part: one record per run, `runs/records/<run_id>.yaml`, written when the run
 * ends. While a run is live it has a marker `runs/live/<run_id>.yaml` holding its record, so a restart finds
 * the runs it cut off without reading every record (they then read as `interrupted`).
 */

export const RUN_STATUSES = [
  "queued",
  "running",
  "completed",
  "failed",
  "stopped",
  "timeout",
  "interrupted",
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
const FINAL: readonly RunStatus[] = ["completed", "failed", "stopped", "timeout", "interrupted"];

export function isFinalRunStatus(status: RunStatus): boolean {
  return FINAL.includes(status);
}

/** How the run ended: the reply, usage, and what went wrong. */
export const RunResultSchema = z.looseObject({
  reply: z.string(),
  tokens: z.object({ input: z.number(), output: z.number() }),
  cost_cents: z.number(),
  tools_used: z.array(z.string()).optional(),
  error: z.string().optional(),
  exit_code: z.number().nullable().optional(),
});

export const RunRecordSchema = z.looseObject({
  run_id: z.string().min(1),
  status: z.enum(RUN_STATUSES),
  agent_id: z.string(),
  session_id: z.string(),
  /** Who started it: spawn, chat, ws, cron, webhook, api, task, heartbeat, interactive, acp, agent, … */
  source: z.string(),
  /** OpenVesper's channel (cli, rest, telegram, …) and session key, where the run came that way. */
  channel: z.string().optional(),
  session_key: z.string().optional(),
  executor: z.string().optional(),
  pid: z.number().optional(),
  workdir: z.string().optional(),
  /** The prompt's first characters, to tell runs apart in a listing. */
  prompt_preview: z.string().optional(),
  accepted_at: isoTimestamp,
  started_at: isoTimestamp.optional(),
  ended_at: isoTimestamp.optional(),
  duration_ms: z.number().optional(),
  result: RunResultSchema.optional(),
});

export type RunRecord = z.infer<typeof RunRecordSchema>;
export type RunResult = z.infer<typeof RunResultSchema>;

const RECORDS = "runs:records";
const LIVE = "runs:live";
const recordKey = (runId: string) => `${RECORDS}:${runId}.yaml`;
const liveKey = (runId: string) => `${LIVE}:${runId}.yaml`;

/** Run ids are gateway-made (UUIDs); anything else is looked up as "not found", never as a path. */
const RUN_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}

export class RunRecordRepository {
  constructor(private readonly scope: Scope) {}

  async find(runId: string): Promise<RunRecord | null> {
    if (!isRunId(runId)) return null;
    const stored = await this.scope.store.read(recordKey(runId));
    if (!stored) return null;
    const parsed = RunRecordSchema.safeParse(stored.data);
    return parsed.success ? parsed.data : null;
  }

  /**
   * Writes a live run's marker, which carries its record (fsync'd). The record file itself waits for the
   * run's end: while the run lives the registry answers from memory, and after a crash recovery reads the
   * marker's copy (one atomic write per run fewer on the queue's hot path).
   */
  async saveLive(record: RunRecord): Promise<void> {
    await this.scope.store.write(liveKey(record.run_id), { run_id: record.run_id, record });
  }

  /** Writes the final record, then drops the marker. */
  async saveFinal(record: RunRecord): Promise<void> {
    await this.scope.store.write(recordKey(record.run_id), record);
    await this.scope.store.remove([liveKey(record.run_id)]);
  }

  /**
   * After a restart nothing of the last gateway runs: every run still marked live is recorded as
   * `interrupted` (ended now). Returns the run ids fixed.
   */
  async recoverInterrupted(now: Date): Promise<string[]> {
    const fixed: string[] = [];
    for (const name of await this.scope.store.keys(LIVE)) {
      const runId = name.replace(/\.yaml$/, "");
      const record = (await this.find(runId).catch(() => null)) ?? (await this.markedRecord(name));
      if (record && !isFinalRunStatus(record.status)) {
        const endedAt = now.toISOString();
        const started = Date.parse(record.started_at ?? record.accepted_at);
        await this.scope.store.write(recordKey(runId), {
          ...record,
          status: "interrupted",
          ended_at: endedAt,
          ...(Number.isNaN(started) ? {} : { duration_ms: Math.max(0, now.getTime() - started) }),
          result: {
            reply: record.result?.reply ?? "",
            tokens: record.result?.tokens ?? { input: 0, output: 0 },
            cost_cents: record.result?.cost_cents ?? 0,
            error: "interrupted: the gateway stopped before the run finished",
          },
        });
        fixed.push(runId);
      }
      await this.scope.store.remove([`${LIVE}:${name}`]);
    }
    return fixed;
  }

  /** The copy of the record a live marker carries (the record file may not have reached the disk). */
  private async markedRecord(name: string): Promise<RunRecord | null> {
    const stored = await this.scope.store.read(`${LIVE}:${name}`).catch(() => null);
    const parsed = RunRecordSchema.safeParse(stored?.data.record);
    return parsed.success ? parsed.data : null;
  }
}
