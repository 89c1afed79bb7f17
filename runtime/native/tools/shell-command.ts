import { spawn } from "node:child_process";
import type { ProcessFamily } from "../../runs/process-cookie.js";
import { signalGroup } from "../../runs/process-tree.js";

export interface ShellCommandOptions {
  command: string;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** The run's processes: the command runs as a family of its own inside it. */
  family?: ProcessFamily;
  timeoutMs: number;
  signal: AbortSignal;
  /** Output beyond this is dropped from the middle (head and tail kept). */
  maxOutputBytes: number;
}

export interface ShellCommandResult {
  /** null when the command was killed or could not start. */
  exitCode: number | null;
  /** stdout and stderr interleaved as they arrived, capped. */
  output: string;
  /** Bytes dropped from the middle of the output. */
  omittedBytes: number;
  ended: "exited" | "timeout" | "stopped" | "spawn_error";
  spawnError?: string;
}

/** How long SIGTERM gets before SIGKILL. */
const KILL_GRACE_MS = 1000;
/** After the shell exits, how long to wait for its output pipes to drain. */
const DRAIN_MS = 500;
/** Names each command's family within its run. */
let commandCount = 0;

/**
 * Runs `bash -c <command>` in its own process group, so a timeout or a stop kills everything the command
 * started; when the shell exits, whatever it left running in its group is killed too, and with a family,
 * whatever it detached into a session of its own (a run must not leave orphans behind).
 */
export function runShellCommand(options: ShellCommandOptions): Promise<ShellCommandResult> {
  return new Promise((resolve) => {
    const output = new CappedOutput(options.maxOutputBytes);
    let killedFor: "timeout" | "stopped" | undefined;
    const family = options.family?.child(`sh-${++commandCount}`);
    const child = spawn("bash", ["-c", options.command], {
      cwd: options.cwd,
      env: family ? family.env(options.env) : options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => output.add(chunk));
    child.stderr.on("data", (chunk: Buffer) => output.add(chunk));

    let killTimer: NodeJS.Timeout | undefined;
    const kill = (reason: "timeout" | "stopped") => {
      if (killedFor || child.pid === undefined || child.exitCode !== null) return;
      killedFor = reason;
      signalGroup(child.pid, "SIGTERM");
      killTimer = setTimeout(() => signalGroup(child.pid!, "SIGKILL"), KILL_GRACE_MS);
    };
    const timeout = setTimeout(() => kill("timeout"), options.timeoutMs);
    const onAbort = () => kill("stopped");
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener("abort", onAbort, { once: true });

    const finish = (exitCode: number | null, spawnError?: string) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      options.signal.removeEventListener("abort", onAbort);
      const ended = spawnError !== undefined ? "spawn_error" : (killedFor ?? "exited");
      resolve({ exitCode, output: output.text(), omittedBytes: output.omitted, ended, spawnError });
    };
    child.once("error", (error) => finish(null, error.message));
    child.once("exit", (code) => {
      // Background jobs of the command would outlive the run (and hold the pipes open): end them.
      if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
      const drained = new Promise<void>((done) => child.once("close", () => done()));
      const waited = new Promise<void>((done) => setTimeout(done, DRAIN_MS).unref());
      // A detached job (`setsid cmd &`) left the group: its cookie still names it.
      const detached = family?.kill().catch(() => []);
      void Promise.all([Promise.race([drained, waited]), detached]).then(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code);
      });
    });
  });
}

/** Keeps the first and last halves of a stream's bytes within a budget. */
class CappedOutput {
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer = Buffer.alloc(0);
  omitted = 0;

  constructor(private readonly maxBytes: number) {}

  add(chunk: Buffer): void {
    const half = Math.floor(this.maxBytes / 2);
    const room = half - this.headBytes;
    if (room > 0) {
      const part = chunk.subarray(0, room);
      this.head.push(part);
      this.headBytes += part.length;
      chunk = chunk.subarray(part.length);
    }
    if (chunk.length === 0) return;
    const joined = Buffer.concat([this.tail, chunk]);
    const keep = this.maxBytes - half;
    this.omitted += Math.max(0, joined.length - keep);
    this.tail = joined.length > keep ? joined.subarray(joined.length - keep) : joined;
  }

  text(): string {
    const head = Buffer.concat(this.head).toString("utf8");
    const tail = this.tail.toString("utf8");
    return this.omitted > 0 ? `${head}\n[... ${this.omitted} bytes omitted ...]\n${tail}` : head + tail;
  }
}
