import { z } from "@hono/zod-openapi";
import type { TerminalSettings } from "../../storage/terminal-settings.js";

/** A live terminal as `GET /api/terminals` lists it. */
export const TerminalInfoSchema = z
  .object({
    id: z.string(),
    pid: z.number().int(),
    cwd: z.string(),
    command: z.string().nullable().openapi({ description: "Run via `$SHELL -c`; null for a shell" }),
    cols: z.number().int(),
    rows: z.number().int(),
    created_at: z.string(),
    attached: z.boolean().openapi({ description: "False while in the grace period after a disconnect" }),
    last_activity: z.string().openapi({ description: "Last input or output" }),
    client: z.string().openapi({ description: "`key:<API key name>` or `addr:<remote address>`" }),
  })
  .openapi("Terminal");

/** How a terminal ended. */
export const TerminalExitSchema = z.object({
  /** The exit code, or null when a signal ended the process. */
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  /** Why the gateway ended it, when it did: `killed`, `idle_timeout`, `grace_expired`, `shutdown`. */
  reason: z.string().optional(),
});

export type TerminalInfo = z.infer<typeof TerminalInfoSchema>;
export type TerminalExit = z.infer<typeof TerminalExitSchema>;

/** What one connection receives from its terminal. Never called synchronously inside open/attach. */
export interface TerminalListener {
  output(data: string): void;
  exit(exit: TerminalExit): void;
  /** Another connection attached to the same terminal; this one receives nothing more. */
  replaced(): void;
}

/** One connection's hold on a terminal; inert once replaced or detached. */
export interface TerminalAttachment {
  readonly terminalId: string;
  readonly pid: number;
  /** Recent output from before this attachment (bounded); send it before any live output. */
  readonly replay: string;
  write(data: string): void;
  /** Debounced: the last size within a short window wins; input written after it sees the new size. */
  resize(cols: number, rows: number): void;
  /** Stops reading the PTY while the client is behind (the program then blocks on a full PTY). */
  pause(): void;
  resume(): void;
  /** The client went away: the terminal keeps running for the grace period. */
  detach(): void;
}

export interface TerminalOpenRequest {
  /** Absolute, existing and allowed (checked by the caller). */
  cwd: string;
  cols: number;
  rows: number;
  /** Run through the user's shell (`$SHELL -c`); an interactive shell when absent. */
  command?: string;
  client: string;
  settings: TerminalSettings;
}

/** Interactive PTYs (Node only). Errors are StorageErrors: TOO_MANY_TERMINALS, TERMINAL_NOT_FOUND. */
export interface TerminalService {
  /**
   * Resolves once PTYs can be opened here (the native module is loaded on first use); rejects with a
   * `not_supported` DomainError saying why when they cannot, so the routes answer 501 and the rest of
   * the gateway runs on.
   */
  ensureAvailable(): Promise<void>;
  open(request: TerminalOpenRequest, listener: TerminalListener): Promise<TerminalAttachment>;
  /**
   * Reattaches to a live (or, within its grace period, just exited) terminal. With `client`, only a
   * terminal that client opened is found (another client's looks unknown).
   */
  attach(id: string, listener: TerminalListener, client?: string): TerminalAttachment;
  get(id: string): TerminalInfo | undefined;
  list(): TerminalInfo[];
  /** Kills the terminal's process group and descendants; resolves with its exit, or null when unknown. */
  kill(id: string): Promise<TerminalExit | null>;
}
