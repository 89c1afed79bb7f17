import { z } from "./zod.js";

/** Limits of interactive terminals (`/terminal/ws`), as the terminal manager uses them. */
export interface TerminalSettings {
  /** How long a terminal whose client went away keeps running, waiting for a reattach. */
  graceMs: number;
  /** A terminal without input or output for this long is killed; 0 disables the timeout. */
  idleTimeoutMs: number;
  /** Live terminals one client (API key, or remote address without keys) may hold. */
  maxPerClient: number;
  /** Recent output kept for a reattaching client, in bytes (UTF-8). */
  replayBytes: number;
}

export const TERMINAL_DEFAULTS: TerminalSettings = {
  graceMs: 60_000,
  idleTimeoutMs: 1_800_000,
  maxPerClient: 8,
  replayBytes: 64 * 1024,
};

/** gateway.yaml `terminals:`; every field optional, fractions of seconds allowed (tests use short ones). */
export const TerminalsSchema = z
  .object({
    grace_seconds: z.number().min(0).max(86_400).optional(),
    idle_timeout_seconds: z.number().min(0).max(604_800).optional(),
    max_per_client: z.number().int().min(1).max(1000).optional(),
    replay_bytes: z
      .number()
      .int()
      .min(0)
      .max(16 * 1024 * 1024)
      .optional(),
  })
  .loose();

export function compileTerminalSettings(raw: z.infer<typeof TerminalsSchema> | undefined): TerminalSettings {
  return {
    graceMs: raw?.grace_seconds === undefined ? TERMINAL_DEFAULTS.graceMs : raw.grace_seconds * 1000,
    idleTimeoutMs:
      raw?.idle_timeout_seconds === undefined
        ? TERMINAL_DEFAULTS.idleTimeoutMs
        : raw.idle_timeout_seconds * 1000,
    maxPerClient: raw?.max_per_client ?? TERMINAL_DEFAULTS.maxPerClient,
    replayBytes: raw?.replay_bytes ?? TERMINAL_DEFAULTS.replayBytes,
  };
}
