import { z } from "./zod.js";

const count = z.number().nonnegative();

/** Token counts of a call or run; cache reads and writes are kept apart where the provider reports them. */
export const LedgerTokensSchema = z.object({
  input: count,
  output: count,
  cache_read: count.optional(),
  cache_write: count.optional(),
});

/**
 * One line of `ledger/YYYY-MM.jsonl`: a provider call of a native run (`call`) or a finished run of any
 * kind (`run`). A run row's `calls` counts the call rows recorded for it: their tokens and cost are
 * already in the ledger, so the run row summarises them and is not counted again.
 */
export const LedgerRowSchema = z.object({
  kind: z.enum(["call", "run"]),
  ts: z.string().refine((value) => !Number.isNaN(Date.parse(value)), "must be an ISO timestamp"),
  agent_id: z.string().min(1),
  session_id: z.string(),
  run_id: z.string(),
  executor: z.string(),
  provider: z.string().optional(),
  model: z.string().optional(),
  tokens: LedgerTokensSchema,
  cost_cents: count,
  status: z.string(),
  duration_ms: count,
  calls: z.number().int().nonnegative().optional(),
  started_at: z.string().optional(),
  error: z.string().optional(),
});

export type LedgerTokens = z.infer<typeof LedgerTokensSchema>;
export type LedgerRow = z.infer<typeof LedgerRowSchema>;

/** The model a row is reported under when its agent named none (the CLI's own default). */
export const UNKNOWN_MODEL = "unknown";

/** Whether the row's tokens and cost count toward spend: every call, and runs whose calls were not itemised. */
export const countsTowardSpend = (row: LedgerRow): boolean => row.kind === "call" || !row.calls;

/** Cents rounded to 1/10,000 (the precision of every cost in the gateway), hiding float noise in sums. */
export const roundCents = (cents: number): number => Math.round(cents * 10_000) / 10_000;
