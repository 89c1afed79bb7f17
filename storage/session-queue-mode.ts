import { invalid } from "./errors.js";

/**
 * What a message to a busy session does (`queue_mode` in the session's metadata): `reject` with 409
 * SESSION_BUSY (the default, as before), `queue` it to run after the current run, `steer` it into the
 * current run where the executor takes messages mid-run (else it is queued), or `interrupt` the current
 * run and start it.
 */
export const QUEUE_MODES = ["reject", "queue", "steer", "interrupt"] as const;
export type QueueMode = (typeof QUEUE_MODES)[number];
export const DEFAULT_QUEUE_MODE: QueueMode = "reject";

/** OpenVesper's names: `followup` and `collect` both run the message after the current one. */
const ALIASES: Record<string, QueueMode> = { followup: "queue", collect: "queue" };

export function parseQueueMode(value: unknown, field = "mode"): QueueMode {
  const mode = typeof value === "string" ? (ALIASES[value] ?? value) : value;
  if (typeof mode === "string" && (QUEUE_MODES as readonly string[]).includes(mode)) return mode as QueueMode;
  throw invalid(field, `must be one of ${[...QUEUE_MODES, ...Object.keys(ALIASES)].join(", ")}`);
}

/** The session's mode; an unreadable value reads as the default. */
export function queueModeOf(session: Record<string, unknown> | null | undefined): QueueMode {
  const value = session?.queue_mode;
  return typeof value === "string" && (QUEUE_MODES as readonly string[]).includes(value)
    ? (value as QueueMode)
    : DEFAULT_QUEUE_MODE;
}
