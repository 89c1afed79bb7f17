import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { PassThrough, Writable } from "node:stream";
import { findOnPath } from "../executors/command-lookup.js";
import { startNodeHelper } from "./spawn-helper-node.js";
import { startPythonHelper } from "./spawn-helper-python.js";
import type { HelperMessage, HelperRequest, HelperTransport } from "./spawn-helper-types.js";

/**
 * Executor CLIs are spawned by a small long-lived helper process instead of the gateway itself: fork/exec
 * from a process costs in proportion to its memory, and the gateway's is large (a queued job spent ~18 ms
 * of the gateway's event loop in `spawn`). The helper is a Python program where `python3` is found (its
 * vfork costs a tenth of a Node fork: spawn-helper-python.ts), else a Node one (spawn-helper-node.ts). It
 * starts on first use, spawns each child detached (its own process group) with the environment, cwd and
 * argv it is given, and relays stdio over its channel. The child's pid is real, so signals, /proc walks and
 * cookies work as with a direct spawn.
 *
 * If the helper cannot start or dies, the runs it had end as if their process had died (their groups
 * are killed by the supervisor), the next spawn starts a new helper, and a spawn the helper never
 * acknowledged falls back to spawning directly.
 */

/** How long a Python helper may take to start before the helper is Node's. */
const PYTHON_START_MS = 10_000;

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

/** A child the helper runs, shaped like the parts of a ChildProcess the supervisor reads. */
class RemoteChild extends EventEmitter implements SpawnedChild {
  pid?: number;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin: Writable;
  /** The helper answered the spawn (with a pid, or an error to follow). */
  acknowledged = false;
  closed = false;

  constructor(send: (message: { t: "in"; data: Uint8Array } | { t: "end" }) => boolean) {
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

export interface SpawnHelperOptions {
  /** The helper program: Python where `python3` is found (it spawns with vfork), else Node. */
  program?: "python" | "node";
  /** The Node binary the Node helper runs on (this one's; another only in tests). */
  nodePath?: string;
  /** The Python the Python helper runs on (the first `python3` on PATH). */
  pythonPath?: string;
  idleExitMs?: number;
  /** How long a Python helper may take to say it runs (10 s). */
  pythonStartMs?: number;
}

export class SpawnHelper {
  private transport: HelperTransport | undefined;
  private readonly children = new Map<number, Pending>();
  private nextId = 1;
  /** The Python the helper runs on, where there is one. */
  private readonly python: Promise<string | undefined>;
  /** Its helper failed to start once: Node's from then on. */
  private pythonFailed = false;
  private readonly nodePath: string;
  private readonly idleExitMs: number;
  private readonly pythonStartMs: number;

  constructor(options: SpawnHelperOptions = {}) {
    this.nodePath = options.nodePath ?? process.execPath;
    this.idleExitMs = options.idleExitMs ?? IDLE_EXIT_MS;
    this.pythonStartMs = options.pythonStartMs ?? PYTHON_START_MS;
    this.python =
      options.program === "node"
        ? Promise.resolve(undefined)
        : options.pythonPath
          ? Promise.resolve(options.pythonPath)
          : findOnPath(["python3"], process.env);
  }

  /** Which program the next helper runs. */
  async program(): Promise<"python" | "node"> {
    return this.usablePython(await this.python) ? "python" : "node";
  }

  private usablePython(python: string | undefined): string | undefined {
    return this.pythonFailed ? undefined : python;
  }

  /** Spawns through the helper; undefined when the helper is unavailable (the caller spawns directly). */
  async spawn(request: SpawnRequest): Promise<SpawnedChild | undefined> {
    const helper = this.ensure(this.usablePython(await this.python));
    if (!helper) return undefined;
    const id = this.nextId++;
    const child = new RemoteChild((message) => this.send(helper, { ...message, id }));
    const ok = await new Promise<boolean>((started) => {
      this.children.set(id, { child, started });
      if (this.children.size === 1) helper.ref();
      const { command, args, cwd, env } = request;
      if (!this.send(helper, { t: "spawn", id, command, args, cwd, env })) this.forget(id, false);
    });
    return ok ? child : undefined;
  }

  /** Stops the helper (its children keep running in their own groups; their supervisors see them end). */
  close(): void {
    this.transport?.process.kill();
  }

  private ensure(python: string | undefined): HelperTransport | undefined {
    const current = this.transport;
    if (current && current.process.exitCode === null && current.process.signalCode === null) return current;
    let transport: HelperTransport;
    try {
      transport = python
        ? this.startPython(python)
        : startNodeHelper(this.nodePath, this.idleExitMs, (message) => this.receive(message));
    } catch {
      return undefined;
    }
    this.transport = transport;
    const helper = transport.process;
    helper.on("error", () => this.lost(transport));
    helper.once("exit", () => this.lost(transport));
    // Only a running child keeps the gateway's event loop alive, as a direct spawn would.
    helper.unref();
    transport.unref();
    return transport;
  }

  /** A Python helper; one that exits or hangs before it says it runs makes the next helper Node's. */
  private startPython(python: string): HelperTransport {
    let ready = false;
    let waiting: NodeJS.Timeout | undefined;
    const started = startPythonHelper(python, this.idleExitMs, (message) => {
      if (message.t !== "ready") this.receive(message);
      else if (!ready) {
        ready = true;
        clearTimeout(waiting);
      }
    });
    // Its spawns are made directly once it is stopped (they were never acknowledged).
    waiting = setTimeout(() => started.process.kill("SIGKILL"), this.pythonStartMs);
    waiting.unref();
    started.process.once("exit", () => {
      clearTimeout(waiting);
      if (!ready) this.pythonFailed = true;
    });
    return started;
  }

  private send(helper: HelperTransport, message: HelperRequest): boolean {
    if (helper !== this.transport) return false;
    return helper.send(message);
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
    if (this.children.size === 0) this.transport?.unref();
  }

  /** The helper is gone: what it ran ends now (a spawn it never acknowledged is retried directly). */
  private lost(helper: HelperTransport): void {
    if (this.transport !== helper) return;
    this.transport = undefined;
    for (const [id, { child }] of [...this.children]) {
      const acknowledged = child.acknowledged;
      this.forget(id, acknowledged);
      if (acknowledged) child.finish(null, null, new Error("the spawn helper exited while the process ran"));
    }
  }
}

const shared = new Map<string, SpawnHelper>();

/**
 * The helper `VIBEN_SPAWN_HELPER` asks for, shared by every run manager in the process (started on the
 * first spawn): none with `off` (the gateway spawns itself), Node's with `node`, else Python's where there
 * is one.
 */
export function spawnHelperFor(choice: string | undefined): SpawnHelper | undefined {
  if (choice === "off") return undefined;
  const program = choice === "node" ? "node" : undefined;
  const key = program ?? "auto";
  let helper = shared.get(key);
  if (!helper) {
    helper = new SpawnHelper({ program });
    shared.set(key, helper);
  }
  return helper;
}

/** Spawns as the helper would, in this process: the fallback, and where the helper is turned off. */
export function spawnDirect(request: SpawnRequest): SpawnedChild {
  return spawn(request.command, request.args, {
    cwd: request.cwd,
    env: request.env,
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
}
