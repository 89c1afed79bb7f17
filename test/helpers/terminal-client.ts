import { readFileSync } from "node:fs";
import { openWs, type WsClient } from "./clients.js";

type Frame = WsClient["frames"][number];

/** A `/terminal/ws` client: frames as they came, plus the output seen so far as one text. */
export interface TerminalClient extends WsClient {
  /** The output text of the frames from index `from` on. */
  output(from?: number): string;
  /** Waits until the output from frame `from` on matches. */
  waitForOutput(pattern: RegExp, from?: number, timeoutMs?: number): Promise<void>;
  /** Sends `init` and waits for `ready` (or throws with the error frame). */
  init(frame: Record<string, unknown>): Promise<{ terminal_id: string; pid: number }>;
}

export function wsUrl(httpUrl: string, path = "/terminal/ws"): string {
  return `${httpUrl.replace(/^http/, "ws")}${path}`;
}

export async function openTerminal(url: string): Promise<TerminalClient> {
  const ws = await openWs(url);
  const output = (from = 0) =>
    ws.frames
      .slice(from)
      .filter((f) => f.type === "output")
      .map((f) => String(f.data))
      .join("");
  return {
    ...ws,
    output,
    async waitForOutput(pattern, from = 0, timeoutMs = 10_000) {
      try {
        await ws.waitFor((f: Frame) => f.type === "output" && pattern.test(output(from)), timeoutMs);
      } catch {
        throw new Error(`output never matched ${pattern}: ${JSON.stringify(output(from).slice(-2000))}`);
      }
    },
    async init(frame) {
      const start = ws.frames.length;
      ws.send({ type: "init", ...frame });
      const reply = await ws.waitFor(
        (f) => ws.frames.indexOf(f) >= start && (f.type === "ready" || f.type === "error"),
      );
      if (reply.type === "error") throw new Error(`init failed: ${reply.code}: ${reply.message}`);
      return { terminal_id: String(reply.terminal_id), pid: Number(reply.pid) };
    },
  };
}

/**
 * Whether a process is gone: `kill(pid, 0)` throws, or it is a zombie (dead, only waiting for a parent
 * to collect its status: an orphan's new parent here may be an init that does not reap).
 */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return true;
  }
}
