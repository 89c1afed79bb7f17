import { type ChildProcess, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { PassThrough, Writable } from "node:stream";

/**
 * Executor CLIs are spawned by a small long-lived Node process instead of the gateway itself: fork/exec
 * from a process costs in proportion to its memory, and the gateway's is large (a queued job spent ~18 ms
 * of the gateway's event loop in `spawn`). The helper starts on first use, spawns each child detached (its
 * own process group) with the environment, cwd and argv it is given, and relays stdio over its IPC
 * channel. The child's pid is real, so signals, /proc walks and cookies work as with a direct spawn.
 *
 * If the helper cannot start or dies, the runs it had end as if their process had died (their groups
 * are killed by the supervisor), the next spawn starts a new helper, and a spawn the helper never
 * acknowledged falls back to spawning directly.
 */

/** The helper's whole program (`node -e`): nothing to resolve on disk, in the sources or the bundle. */
const HELPER_SOURCE = `
const { spawn } = require("node:child_process");
const children = new Map();
const idleMs = Number(process.argv[1]);
let idle;
const rest = () => { if (children.size === 0) idle = setTimeout(() => process.exit(0), idleMs); };
const send = (message) => { if (process.connected) process.send(message); };
process.on("disconnect", () => process.exit(0));
process.on("message", (m) => {
  if (m.t === "spawn") {
    clearTimeout(idle);
    let child;
    try {
      child = spawn(m.command, m.args, { cwd: m.cwd, env: m.env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    } catch (error) {
      send({ t: "failed", id: m.id, message: String(error && error.message), code: error && error.code });
      rest();
      return;
    }
    children.set(m.id, child);
    send({ t: "pid", id: m.id, pid: child.pid ?? -1 });
    child.stdin.on("error", () => {});
    child.stdout.on("data", (data) => send({ t: "out", id: m.id, data }));
    child.stderr.on("data", (data) => send({ t: "err", id: m.id, data }));
    child.once("error", (error) => send({ t: "error", id: m.id, message: String(error && error.message), code: error && error.code }));
    child.once("close", (code, signal) => { children.delete(m.id); send({ t: "close", id: m.id, code, signal }); rest(); });
  } else if (m.t === "in") {
    children.get(m.id)?.stdin.write(m.data);
  } else if (m.t === "end") {
    children.get(m.id)?.stdin.end();
  }
});
rest();
`;

/** An idle helper exits after this long (a Node process costs ~40 MB): the next run starts another. */
const IDLE_EXIT_MS = 60_000;

export interface SpawnRequest {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
}

/** What SupervisedProcess uses of a child: a ChildProcess, or one the helper runs. */
export interface SpawnedChild extends EventEmitter {
  readonly pid?: number;
  readonly stdin: NodeJS.WritableStream & { writable: boolean };
  readonly stdout: NodeJS.ReadableStream;
  readonly stderr: NodeJS.ReadableStream & { setEncoding(encoding: BufferEncoding): unknown };
}

type HelperMessage =
  | { t: "pid"; id: number; pid: number }
  | { t: "failed"; id: number; message: string; code?: string }
  | { t: "out" | "err"; id: number; data: Uint8Array }
  | { t: "error"; id: number; message: string; code?: string }
  | { t: "close"; id: number; code: number | null; signal: NodeJS.Signals | null };

/** A child the helper runs, shaped like the parts of a ChildProcess the supervisor reads. */
class RemoteChild extends EventEmitter implements SpawnedChild {
  pid?: number;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin: Writable;
  /** The helper answered the spawn (with a pid, or an error to follow). */
  acknowledged = false;
  closed = false;

  constructor(send: (message: object) => boolean) {
    super();
    this.stdin = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        callback(send({ t: "in", data: chunk }) ? null : new Error("the spawn helper is gone"));
      },
      final: (callback) => {
        send({ t: "end" });
        callback();
      },
    });
  }

  /**
   * Reports an event once the supervisor listens: the helper's messages for one child (pid, output,
   * close) may all arrive in one tick, before the awaits between spawn and the listeners have run.
   */
  later(event: "error", error: Error): void {
    setImmediate(() => this.emit(event, error));
  }

  /** Ends the streams, then reports the close (as a ChildProcess does: 'close' after stdio ended). */
  finish(code: number | null, signal: NodeJS.Signals | null, error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    if (error) this.later("error", error);
    setImmediate(() => {
      this.stdout.end();
      this.stderr.end();
      this.emit("close", code, signal);
    });
  }
}

interface Pending {
  child: RemoteChild;
  /** Resolves once the helper has spawned the child (pid known) or could not reach the helper. */
  started: (ok: boolean) => void;
}

export class SpawnHelper {
  private process: ChildProcess | undefined;
  private readonly children = new Map<number, Pending>();
  private nextId = 1;

  /** `nodePath`: the Node binary the helper runs on (this one's; another only in tests). */
  constructor(
    private readonly nodePath = process.execPath,
    private readonly idleExitMs = IDLE_EXIT_MS,
  ) {}

  /** Spawns through the helper; undefined when the helper is unavailable (the caller spawns directly). */
  async spawn(request: SpawnRequest): Promise<SpawnedChild | undefined> {
    const helper = this.ensure();
    if (!helper) return undefined;
    const id = this.nextId++;
    const send = (message: object) => this.send(helper, { ...message, id });
    const child = new RemoteChild(send);
    const ok = await new Promise<boolean>((started) => {
      this.children.set(id, { child, started });
      if (this.children.size === 1) helper.channel?.ref();
      const { command, args, cwd, env } = request;
      if (!send({ t: "spawn", command, args, cwd, env })) this.forget(id, false);
    });
    return ok ? child : undefined;
  }

  /** Stops the helper (its children keep running in their own groups; their supervisors see them end). */
  close(): void {
    this.process?.kill();
  }

  private ensure(): ChildProcess | undefined {
    if (this.process && this.process.exitCode === null && this.process.signalCode === null)
      return this.process;
    const env = { ...process.env };
    // The helper is no run's member (it outlives them), and must start as a plain small Node.
    delete env.VIBEN_RUN_COOKIE;
    delete env.NODE_OPTIONS;
    let helper: ChildProcess;
    try {
      helper = spawn(
        this.nodePath,
        ["--max-semi-space-size=1", "-e", HELPER_SOURCE, String(this.idleExitMs)],
        {
          stdio: ["ignore", "ignore", "inherit", "ipc"],
          serialization: "advanced",
          env,
        },
      );
    } catch {
      return undefined;
    }
    this.process = helper;
    helper.on("message", (message: HelperMessage) => this.receive(message));
    helper.on("error", () => this.lost(helper));
    helper.once("exit", () => this.lost(helper));
    // Only a running child keeps the gateway's event loop alive, as a direct spawn would.
    helper.unref();
    helper.channel?.unref();
    return helper;
  }

  private send(helper: ChildProcess, message: object): boolean {
    if (helper !== this.process || !helper.connected) return false;
    try {
      // A failed write means the helper is gone: its 'exit' (or 'error') ends what it ran.
      helper.send(message, (error) => {
        if (error) this.lost(helper);
      });
      return true;
    } catch {
      return false;
    }
  }

  private receive(message: HelperMessage): void {
    const entry = this.children.get(message.id);
    if (!entry) return;
    const { child } = entry;
    switch (message.t) {
      case "pid":
        child.pid = message.pid > 0 ? message.pid : undefined;
        child.acknowledged = true;
        entry.started(true);
        break;
      case "failed":
        // spawn threw (bad arguments): reported as a direct spawn would, through 'error' then 'close'.
        child.acknowledged = true;
        entry.started(true);
        this.forget(message.id, true);
        child.finish(null, null, Object.assign(new Error(message.message), { code: message.code }));
        break;
      case "out":
        child.stdout.write(
          Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength),
        );
        break;
      case "err":
        child.stderr.write(
          Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength),
        );
        break;
      case "error":
        child.later("error", Object.assign(new Error(message.message), { code: message.code }));
        break;
      case "close":
        this.forget(message.id, true);
        child.finish(message.code, message.signal);
        break;
    }
  }

  private forget(id: number, ok: boolean): void {
    const entry = this.children.get(id);
    if (!entry) return;
    this.children.delete(id);
    entry.started(ok);
    if (this.children.size === 0) this.process?.channel?.unref();
  }

  /** The helper is gone: what it ran ends now (a spawn it never acknowledged is retried directly). */
  private lost(helper: ChildProcess): void {
    if (this.process !== helper) return;
    this.process = undefined;
    for (const [id, { child }] of [...this.children]) {
      const acknowledged = child.acknowledged;
      this.forget(id, acknowledged);
      if (acknowledged) child.finish(null, null, new Error("the spawn helper exited while the process ran"));
    }
  }
}

/** The gateway's helper, shared by every run manager in the process (started on the first spawn). */
export const spawnHelper = new SpawnHelper();

/** Spawns as the helper would, in this process: the fallback, and where the helper is turned off. */
export function spawnDirect(request: SpawnRequest): SpawnedChild {
  return spawn(request.command, request.args, {
    cwd: request.cwd,
    env: request.env,
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
}
