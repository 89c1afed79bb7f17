import { type AppendLog, readAll } from "./append-log.js";
import { invalid } from "./errors.js";
import { assertValidId } from "./ids.js";
import { isoTimestamp } from "./schema-helpers.js";
import { TokensSchema } from "./session-schemas.js";
import { parseInput } from "./validate.js";
import { z } from "./zod.js";

export const HISTORY_STATUSES = ["completed", "failed", "stopped", "timeout"] as const;
export type HistoryStatus = (typeof HISTORY_STATUSES)[number];

export const PREVIEW_LENGTH = 200;

/** One line of `history/<agent_id>.jsonl`: the summary of one run. */
export const HistoryRecordSchema = z.looseObject({
  id: z.string().min(1),
  agent_id: z.string().min(1),
  session_id: z.string().optional(),
  run_id: z.string().optional(),
  prompt: z.string(),
  response_preview: z.string(),
  created_at: isoTimestamp,
  status: z.enum(HISTORY_STATUSES),
  tokens: TokensSchema,
  cost_cents: z.number().nonnegative(),
  duration_ms: z.number().nonnegative().optional(),
});

export type HistoryRecord = z.infer<typeof HistoryRecordSchema>;

/** A new record: either the full `response` (previewed here) or a ready `response_preview`. */
export const HistoryInputSchema = z.object({
  agent_id: z.string(),
  session_id: z.string().min(1).optional(),
  run_id: z.string().min(1).optional(),
  prompt: z.string(),
  response: z.string().optional(),
  response_preview: z.string().optional(),
  status: z.enum(HISTORY_STATUSES).default("completed"),
  tokens: TokensSchema.default({ input: 0, output: 0 }),
  cost_cents: z.number().nonnegative().default(0),
  duration_ms: z.number().nonnegative().optional(),
  created_at: isoTimestamp.optional(),
});

export type HistoryInput = z.input<typeof HistoryInputSchema>;

export const HistoryStatsSchema = z
  .object({
    total: z.number(),
    completed: z.number(),
    failed: z.number().openapi({ description: "Failed and timed-out runs (stopped ones count as neither)" }),
    tokens: TokensSchema,
    cost_cents: z.number(),
    first_at: z.string().nullable(),
    last_at: z.string().nullable(),
  })
  .openapi("HistoryStats");

export type HistoryStats = z.infer<typeof HistoryStatsSchema>;

export interface HistoryRepositoryOptions {
  log: AppendLog;
  now?: () => Date;
  newId?: () => string;
}

export const historyKey = (agentId: string) => `history:${agentId}.jsonl`;

/** First `length` characters (code points, so an emoji is never cut in half). */
export function preview(text: string, length = PREVIEW_LENGTH): string {
  const chars = Array.from(text);
  return chars.length <= length ? text : chars.slice(0, length).join("");
}

/** Per-agent run history, append-only. Listing and stats read the whole log (histories stay small). */
export class HistoryRepository {
  private readonly log: AppendLog;
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(options: HistoryRepositoryOptions) {
    this.log = options.log;
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? (() => crypto.randomUUID());
  }

  async add(input: HistoryInput): Promise<HistoryRecord> {
    const agentId = assertValidId(input.agent_id, "agent_id");
    const fields = parseInput(HistoryInputSchema, input);
    const record: HistoryRecord = {
      id: this.newId(),
      agent_id: agentId,
      ...(fields.session_id === undefined ? {} : { session_id: fields.session_id }),
      ...(fields.run_id === undefined ? {} : { run_id: fields.run_id }),
      prompt: fields.prompt,
      response_preview: preview(fields.response_preview ?? fields.response ?? ""),
      created_at: fields.created_at ?? this.now().toISOString(),
      status: fields.status,
      tokens: fields.tokens,
      cost_cents: fields.cost_cents,
      ...(fields.duration_ms === undefined ? {} : { duration_ms: fields.duration_ms }),
    };
    // A summary of the session's run (which is on disk): flushed within a second, not per run.
    await this.log.append(historyKey(agentId), [record], { durable: false });
    return record;
  }

  /** Newest first; `search` matches prompt or preview case-insensitively; `total` counts all matches. */
  async list(
    agentId: string,
    options: { limit?: number; search?: string } = {},
  ): Promise<{ records: HistoryRecord[]; total: number }> {
    const limit = options.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 0) throw invalid("limit", "must be a non-negative integer");
    const needle = options.search?.trim().toLowerCase() || undefined;
    // Keep only the newest `limit` matches while counting them all.
    const newest: HistoryRecord[] = [];
    let total = 0;
    for await (const record of this.records(agentId)) {
      if (
        needle &&
        !record.prompt.toLowerCase().includes(needle) &&
        !record.response_preview.toLowerCase().includes(needle)
      )
        continue;
      total++;
      newest.push(record);
      if (newest.length > limit) newest.shift();
    }
    return { records: newest.reverse(), total };
  }

  async stats(agentId: string): Promise<HistoryStats> {
    const stats: HistoryStats = {
      total: 0,
      completed: 0,
      failed: 0,
      tokens: { input: 0, output: 0 },
      cost_cents: 0,
      first_at: null,
      last_at: null,
    };
    for await (const record of this.records(agentId)) {
      stats.total++;
      if (record.status === "completed") stats.completed++;
      if (record.status === "failed" || record.status === "timeout") stats.failed++;
      stats.tokens.input += record.tokens.input;
      stats.tokens.output += record.tokens.output;
      stats.cost_cents += record.cost_cents;
      if (stats.first_at === null || record.created_at < stats.first_at) stats.first_at = record.created_at;
      if (stats.last_at === null || record.created_at > stats.last_at) stats.last_at = record.created_at;
    }
    return stats;
  }

  async clear(agentId: string): Promise<void> {
    assertValidId(agentId, "agent_id");
    await this.log.remove(historyKey(agentId));
  }

  /** Every valid record, oldest first; lines that do not match the schema are skipped like torn ones. */
  private async *records(agentId: string): AsyncGenerator<HistoryRecord> {
    assertValidId(agentId, "agent_id");
    for await (const page of readAll(this.log, historyKey(agentId))) {
      for (const raw of page) {
        const parsed = HistoryRecordSchema.safeParse(raw);
        if (parsed.success) yield parsed.data;
      }
    }
  }
}
