import type { QueueSettings } from "../../storage/queue-settings.js";

/** Delay before attempt `attempts + 1`: `backoff_ms` doubled per attempt made, capped at `max_backoff_ms`. */
export function retryDelayMs(attempts: number, settings: QueueSettings): number {
  const exponent = Math.max(0, attempts - 1);
  // 2^30 already exceeds any cap; stop there so the product stays finite.
  const delay = settings.backoff_ms * 2 ** Math.min(exponent, 30);
  return Math.min(delay, settings.max_backoff_ms);
}

/**
 * Whether a failure to start a job can never succeed on retry: the agent or workdir it names is invalid
 * (a 400/404, a storage validation/not-found error, a session of another agent), as opposed to a failed or
 * busy run.
 */
export function isPermanentFailure(error: unknown): boolean {
  const { status, kind, code } = (error ?? {}) as { status?: unknown; kind?: unknown; code?: unknown };
  return (
    status === 400 ||
    status === 404 ||
    kind === "validation" ||
    kind === "not_found" ||
    // Another agent's session stays another agent's: retrying cannot help.
    code === "SESSION_AGENT_MISMATCH"
  );
}
