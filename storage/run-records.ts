import { type AppendLog, type AppendOptions, readAll } from "./append-log.js";
import { isoTimestamp } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import { z } from "./zod.js";

/*
 * The run registry's durable part: one record per run, `runs/records/<run_id>.yaml`, written when the run
 * ends. A run's start (with its record) and its end are lines of the live-runs log (`runs/live/a.jsonl`,
 * then `b.jsonl` when a rewrite moves the runs still live there), so a restart finds the runs it cut off
 * without reading every record (they then read as `interrupted`). One append per start and end, where a
 * marker file per run cost a YAML document written, fsync'd and removed.
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
/** The two live-runs logs: one is written, the other is empty until a rewrite moves the live runs there. */
const LIVE_LOGS = [`${LIVE}:a.jsonl`, `${LIVE}:b.jsonl`] as const;
/** Lines a live-runs log takes before it is rewritten as the runs still live. */
const LIVE_LOG_LINES = 2000;

/** Run ids are gateway-made (UUIDs); anything else is looked up as "not found", never as a path. */
const RUN_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}

export class RunRecordRepository {
  /** Runs started and not yet ended, as the live-runs log has them. */
  private readonly live = new Map<string, RunRecord>();
  private current = 0;
  private lines = 0;
  /** Live-runs log writes, in call order (a rewrite must not interleave with an append). */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly scope: Scope,
    private readonly log: AppendLog,
  ) {}

  async find(runId: string): Promise<RunRecord | null> {
    if (!isRunId(runId)) return null;
    const stored = await this.scope.store.read(recordKey(runId));
    if (!stored) return null;
    const parsed = RunRecordSchema.safeParse(stored.data);
    return parsed.success ? parsed.data : null;
  }

  /**
   * Notes a live run's start with its record. The record file itself waits for the run's end: while the
   * run lives the registry answers from memory, and after a crash recovery reads this copy. Flushed within
   * a second (AppendOptions.durable): a crash of the gateway loses nothing, a power loss in that second
   * leaves the run without a record (its session is recovered all the same).
   */
  saveLive(record: RunRecord): Promise<void> {
    this.live.set(record.run_id, record);
    return this.inOrder(() => this.appendLive([{ run_id: record.run_id, record }], { durable: false }));
  }

  /** Writes the final record, then notes the run's end. */
  async saveFinal(record: RunRecord): Promise<void> {
    await this.scope.store.writeRecord(recordKey(record.run_id), record);
    this.live.delete(record.run_id);
    await this.inOrder(async () => {
      // Not flushed at once: without this line, recovery finds the final record written above.
      await this.appendLive([{ run_id: record.run_id, ended: true }], { durable: false });
      if (this.lines >= LIVE_LOG_LINES) await this.rewriteLive();
    });
  }

  /**
   * After a restart nothing of the last gateway runs: every run the live-runs logs (or an older version's
   * marker files) still have live is recorded as `interrupted` (ended now). Returns the run ids fixed.
   */
  async recoverInterrupted(now: Date): Promise<string[]> {
    const started = new Map<string, RunRecord | null | undefined>();
    for (const key of LIVE_LOGS) {
      for await (const page of readAll(this.log, key)) {
        for (const line of page) {
          if (typeof line.run_id !== "string") continue;
          if (line.ended === true) started.set(line.run_id, null);
          else if (!started.has(line.run_id)) started.set(line.run_id, parseRecord(line.record));
        }
      }
    }
    for (const name of await this.scope.store.keys(LIVE)) {
      if (!name.endsWith(".yaml")) continue;
      const marker = await this.scope.store.read(`${LIVE}:${name}`).catch(() => null);
      started.set(name.replace(/\.yaml$/, ""), parseRecord(marker?.data.record));
    }
    const fixed: string[] = [];
    for (const [runId, marked] of started) {
      if (marked === null) continue;
      const record = (await this.find(runId).catch(() => null)) ?? marked;
      if (record && !isFinalRunStatus(record.status)) {
        await this.scope.store.writeRecord(recordKey(runId), interrupted(record, now));
        fixed.push(runId);
      }
    }
    await this.scope.store.remove(
      (await this.scope.store.keys(LIVE)).filter((n) => n.endsWith(".yaml")).map((n) => `${LIVE}:${n}`),
    );
    for (const key of LIVE_LOGS) await this.log.truncate(key);
    this.current = 0;
    this.lines = 0;
    return fixed;
  }

  private inOrder(write: () => Promise<void>): Promise<void> {
    const done = this.writes.then(write);
    this.writes = done.catch(() => undefined);
    return done;
  }

  private async appendLive(lines: object[], options?: AppendOptions): Promise<void> {
    await this.log.append(LIVE_LOGS[this.current]!, lines, options);
    this.lines += lines.length;
  }

  /**
   * Moves the runs still live to the other log, then empties this one. A crash between the two leaves
   * both, which recovery reads together: no live run is ever in neither.
   */
  private async rewriteLive(): Promise<void> {
    const next = 1 - this.current;
    const starts = [...this.live.values()].map((record) => ({ run_id: record.run_id, record }));
    if (starts.length > 0) await this.log.append(LIVE_LOGS[next]!, starts);
    await this.log.truncate(LIVE_LOGS[this.current]!);
    this.current = next;
    this.lines = starts.length;
  }
}

function parseRecord(value: unknown): RunRecord | undefined {
  const parsed = RunRecordSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** The record of a run a stop of the gateway cut off. */
function interrupted(record: RunRecord, now: Date): RunRecord {
  const started = Date.parse(record.started_at ?? record.accepted_at);
  return {
    ...record,
    status: "interrupted",
    ended_at: now.toISOString(),
    ...(Number.isNaN(started) ? {} : { duration_ms: Math.max(0, now.getTime() - started) }),
    result: {
      reply: record.result?.reply ?? "",
      tokens: record.result?.tokens ?? { input: 0, output: 0 },
      cost_cents: record.result?.cost_cents ?? 0,
      error: "interrupted: the gateway stopped before the run finished",
    },
  };
}
