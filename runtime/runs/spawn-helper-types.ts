import type { ChildProcess } from "node:child_process";

/** What the gateway asks of a spawn helper. */
export type HelperRequest =
  | {
      t: "spawn";
      id: number;
      command: string;
      args: string[];
      cwd: string;
      env: Record<string, string | undefined>;
    }
  | { t: "in"; id: number; data: Uint8Array }
  | { t: "end"; id: number };

/** What a spawn helper reports of its children. */
export type HelperMessage =
  | { t: "pid"; id: number; pid: number }
  | { t: "failed"; id: number; message: string; code?: string }
  | { t: "out" | "err"; id: number; data: Uint8Array }
  | { t: "error"; id: number; message: string; code?: string }
  | { t: "close"; id: number; code: number | null; signal: NodeJS.Signals | null };

/** A running helper program and the channel to it (Node's IPC, or JSON lines on stdio). */
export interface HelperTransport {
  readonly process: ChildProcess;
  /** false when the helper is gone (its 'exit' ends what it ran). */
  send(message: HelperRequest): boolean;
  /** While children run, the helper's channel keeps the gateway's event loop alive; idle, it does not. */
  ref(): void;
  unref(): void;
}
