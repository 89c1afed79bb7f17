import { invalid, notFound } from "../../storage/errors.js";
import type { RunRecordView, RunRegistry } from "../capabilities/run-registry.js";
import { isDone } from "./run-views.js";

/** How long one wait may block at most (a caller asking for more waits this long). */
export const MAX_WAIT_MS = 60 * 60_000;
/** The original's default wait. */
export const DEFAULT_WAIT_MS = 5 * 60_000;

export const runNotFound = (runId: string) =>
  notFound("RUN_NOT_FOUND", `run '${runId}' not found`, { run_id: runId });

/** The run's record once it has ended (sync answers: the run was started by or for this request). */
export async function awaitRecord(registry: RunRegistry, runId: string): Promise<RunRecordView> {
  for (;;) {
    const waited = await registry.wait(runId, MAX_WAIT_MS);
    if (!waited) throw runNotFound(runId);
    // Not live here and not final: cut off (it reads interrupted after the next restart); answer as is.
    if (waited.done || isDone(waited.record) || !waited.timedOut) return waited.record;
  }
}

/**
 * The wait's timeout in milliseconds from the query or the body (`timeoutMs` as the original, or
 * `timeout_ms`), the query winning; a value that is not a whole number from 0 to MAX_WAIT_MS is refused
 * naming the field.
 */
export function waitTimeout(sources: Array<Record<string, unknown> | undefined>, fallback: number): number {
  for (const source of sources) {
    for (const field of ["timeoutMs", "timeout_ms"]) {
      const raw = source?.[field];
      if (raw === undefined || raw === "") continue;
      const value = typeof raw === "string" ? Number(raw) : raw;
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_WAIT_MS) {
        throw invalid(field, `must be a whole number of milliseconds from 0 to ${MAX_WAIT_MS}`, {
          value: raw,
        });
      }
      return value;
    }
  }
  return fallback;
}
