import { createInterface } from "node:readline";
import type { AgentOutput, OutputParser } from "../executors/adapter.js";
import { anyAlive, type ProcessId, processTree, signalGroup, signalProcesses } from "./process-tree.js";
import type { ProcessExit, RunProcess } from "./run-hooks.js";
import { type SpawnedChild, type SpawnHelper, spawnDirect } from "./spawn-helper.js";

export interface SupervisedProcessOptions {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  stdin?: string;
  /** Keep stdin open after `stdin` for `write()` (a two-way CLI); closed by `endInput()` or the exit. */
  keepStdinOpen?: boolean;
  parser: OutputParser;
  onOutput: (output: AgentOutput) => void;
  /** How long a polite interrupt (SIGINT) gets before SIGTERM, and SIGTERM before SIGKILL. */
  graceMs?: number;
  /** How often descendants are recorded while the process runs (they may outlive it otherwise). */
  snapshotMs?: number;
}

const STDERR_TAIL_BYTES = 4096;

/**
 * One CLI process in its own process group: stdout lines go through the adapter's parser, stderr keeps
 * a tail, and `stop()` escalates SIGINT → SIGTERM → SIGKILL over the whole tree. When the process ends,
 * whatever it left behind (its group, and descendants seen while it ran) is killed too.
 */
export class SupervisedProcess implements RunProcess {
  readonly pid: number;
  readonly exited: Promise<ProcessExit>;
  private readonly known = new Map<string, ProcessId>();
  private stopping: Promise<void> | undefined;
  private done = false;
  private readonly input: NodeJS.WritableStream | undefined;

  /**
   * Starts the process through the spawn helper (off the gateway's event loop and memory), or directly
   * when there is none or it is unavailable.
   */
  static async start(options: SupervisedProcessOptions, helper?: SpawnHelper): Promise<SupervisedProcess> {
    const child = await helper?.spawn(options);
    return new SupervisedProcess(options, child);
  }

  constructor(
    private readonly options: SupervisedProcessOptions,
    child: SpawnedChild = spawnDirect(options),
  ) {
    if (child.pid === undefined) {
      // spawn failed synchronously (ENOENT surfaces as an 'error' event below).
      this.pid = -1;
    } else {
      this.pid = child.pid;
    }
    let stderrTail = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });
    child.stdin.on("error", () => {});
    if (options.keepStdinOpen) {
      if (options.stdin !== undefined) child.stdin.write(options.stdin);
      this.input = child.stdin;
    } else if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();

    const lines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on("line", (line) => this.emit(() => options.parser.line(line)));
    const stdoutClosed = new Promise<void>((resolve) => lines.once("close", () => resolve()));

    const snapshots = setInterval(() => void this.snapshot(), options.snapshotMs ?? 1000);
    snapshots.unref();

    this.exited = new Promise<ProcessExit>((resolve) => {
      let spawnError: Error | undefined;
      child.once("error", (error) => {
        spawnError = error;
      });
      child.once("close", async (code: number | null, sig: NodeJS.Signals | null) => {
        clearInterval(snapshots);
        await stdoutClosed;
        this.emit(() => options.parser.end());
        this.done = true;
        await this.reapLeftovers();
        resolve({
          code: spawnError ? null : code,
          signal: sig,
          stderrTail: spawnError ? `${spawnError.message}\n${stderrTail}` : stderrTail,
        });
      });
    });
    void this.snapshot();
  }

  /** Writes to the open stdin; false once input has ended or the process is gone. */
  write(text: string): boolean {
    if (!this.input || this.done || !this.input.writable) return false;
    this.input.write(text);
    return true;
  }

  /** Closes stdin (a two-way CLI then finishes its queued work and exits). */
  endInput(): void {
    if (this.input?.writable) this.input.end();
  }

  get running(): boolean {
    return !this.done;
  }

  /** Interrupts, then terminates, then kills the whole tree; resolves once the process has exited. */
  stop(): Promise<void> {
    this.stopping ??= this.escalate();
    return this.stopping;
  }

  private async escalate(): Promise<void> {
    const grace = this.options.graceMs ?? 2000;
    if (this.pid <= 0) return;
    await this.snapshot();
    for (const sig of ["SIGINT", "SIGTERM", "SIGKILL"] as const) {
      if (this.done) break;
      // Take the tree before signalling: a child whose parent dies is re-parented and lost to us.
      await this.snapshot();
      signalGroup(this.pid, sig);
      if (sig !== "SIGINT") await signalProcesses([...this.known.values()], sig);
      if (await this.waitExit(grace)) break;
    }
    await this.exited;
  }

  private async waitExit(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const result = await Promise.race([this.exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return result;
  }

  private async snapshot(): Promise<void> {
    if (this.done || this.pid <= 0) return;
    for (const id of await processTree(this.pid)) this.known.set(`${id.pid}:${id.startTime}`, id);
  }

  /** Kills anything the run left: its process group and every recorded descendant still alive. */
  private async reapLeftovers(): Promise<void> {
    signalGroup(this.pid, "SIGKILL");
    const leftovers = [...this.known.values()].filter((id) => id.pid !== this.pid);
    if (!(await anyAlive(leftovers))) return;
    await signalProcesses(leftovers, "SIGTERM");
    await new Promise((r) => setTimeout(r, 200));
    await signalProcesses(leftovers, "SIGKILL");
  }

  private emit(produce: () => AgentOutput[]): void {
    let outputs: AgentOutput[];
    try {
      outputs = produce();
    } catch (error) {
      outputs = [{ kind: "error", message: `output parser failed: ${(error as Error).message}` }];
    }
    for (const output of outputs) this.options.onOutput(output);
  }
}
