import { constants } from "node:os";
import type { IPty } from "@lydell/node-pty";
import type {
  TerminalAttachment,
  TerminalExit,
  TerminalInfo,
  TerminalListener,
} from "../../handlers/capabilities/terminals.js";
import type { TerminalSettings } from "../../storage/terminal-settings.js";
import type { ProcessFamily } from "../runs/process-cookie.js";
import { hangUpTerminal } from "./hang-up.js";
import { OutputRing } from "./output-ring.js";

/** Resizes within this window are folded into one: dragging a window edge sends dozens. */
export const RESIZE_DEBOUNCE_MS = 50;

export interface TerminalInit {
  id: string;
  pty: IPty;
  /** The processes started in the terminal (its cookie): killed once its shell has exited. */
  family?: ProcessFamily;
  cwd: string;
  command: string | null;
  cols: number;
  rows: number;
  client: string;
  settings: TerminalSettings;
  now: () => number;
  /** Called once the terminal is finished and nobody can attach to it any more. */
  onGone: (terminal: Terminal) => void;
}

const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(constants.signals).map(([name, number]) => [number, name]),
);

/**
 * One PTY and its bookkeeping: at most one attached listener, a ring of recent output for reattaching,
 * the grace timer while detached, the idle timer, and debounced resizes.
 */
export class Terminal {
  readonly id: string;
  readonly pid: number;
  readonly client: string;
  /** Resolves once the shell has exited and whatever it detached (`setsid cmd &`) is gone too. */
  readonly exited: Promise<TerminalExit>;
  /** The shell's own exit, which hanging up waits for. */
  private readonly ptyExited: Promise<TerminalExit>;
  private readonly pty: IPty;
  private readonly ring: OutputRing;
  private readonly createdAt: number;
  private lastActivity: number;
  private cols: number;
  private rows: number;
  private listener: TerminalListener | undefined;
  private exit: TerminalExit | undefined;
  private endReason: string | undefined;
  private killing: Promise<void> | undefined;
  private paused = false;
  private pendingSize: { cols: number; rows: number } | undefined;
  private resizeTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly init: TerminalInit) {
    this.id = init.id;
    this.pty = init.pty;
    this.pid = init.pty.pid;
    this.client = init.client;
    this.cols = init.cols;
    this.rows = init.rows;
    this.ring = new OutputRing(init.settings.replayBytes);
    this.createdAt = init.now();
    this.lastActivity = this.createdAt;
    this.pty.onData((data) => this.onOutput(data));
    this.ptyExited = new Promise((resolve) => {
      this.pty.onExit(({ exitCode, signal }) => resolve(this.onExit(exitCode, signal)));
    });
    // Like a run, a terminal owns what it starts: nothing started in it outlives it, however it ends.
    const family = init.family;
    this.exited = family
      ? this.ptyExited.then(async (exit) => {
          await family.kill().catch(() => []);
          return exit;
        })
      : this.ptyExited;
    this.armIdleTimer(init.settings.idleTimeoutMs);
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  info(): TerminalInfo {
    return {
      id: this.id,
      pid: this.pid,
      cwd: this.init.cwd,
      command: this.init.command,
      cols: this.pendingSize?.cols ?? this.cols,
      rows: this.pendingSize?.rows ?? this.rows,
      created_at: new Date(this.createdAt).toISOString(),
      attached: this.listener !== undefined,
      last_activity: new Date(this.lastActivity).toISOString(),
      client: this.client,
    };
  }

  /**
   * Attaches a listener, replacing any current one: a browser that reloads reconnects before the server
   * notices the old socket is dead, and the newest connection is the one the user is looking at.
   */
  attach(listener: TerminalListener): TerminalAttachment {
    const previous = this.listener;
    this.listener = listener;
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    if (this.paused) this.setPaused(false);
    if (previous) queueMicrotask(() => previous.replaced());
    const exit = this.exit;
    if (exit) {
      // Exited while detached: the reattaching client still gets the output and the exit, then it is gone.
      queueMicrotask(() => {
        listener.exit(exit);
        this.init.onGone(this);
      });
    }
    const current = () => this.listener === listener && this.alive;
    return {
      terminalId: this.id,
      pid: this.pid,
      replay: this.ring.text(),
      write: (data) => {
        if (current()) this.write(data);
      },
      resize: (cols, rows) => {
        if (current()) this.resize(cols, rows);
      },
      pause: () => {
        if (current()) this.setPaused(true);
      },
      resume: () => {
        if (current()) this.setPaused(false);
      },
      detach: () => {
        if (this.listener === listener) this.detach();
      },
    };
  }

  /** Ends the terminal (SIGHUP, then SIGKILL) and resolves once its process has exited. */
  async kill(reason = "killed"): Promise<TerminalExit> {
    this.endReason ??= reason;
    // Killed on purpose: nobody waits for a reattach, so the terminal is gone as soon as it exits.
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    if (this.alive) {
      this.killing ??= hangUpTerminal(this.pid, this.ptyExited);
      await this.killing;
    }
    return this.exited;
  }

  private write(data: string): void {
    // Keystrokes typed after a resize must see the new size (e.g. a `tput cols` right after it).
    this.flushResize();
    this.touch();
    this.pty.write(data);
  }

  private resize(cols: number, rows: number): void {
    this.pendingSize = { cols, rows };
    this.resizeTimer ??= setTimeout(() => this.flushResize(), RESIZE_DEBOUNCE_MS);
  }

  private flushResize(): void {
    clearTimeout(this.resizeTimer);
    this.resizeTimer = undefined;
    const size = this.pendingSize;
    this.pendingSize = undefined;
    if (!size || !this.alive || (size.cols === this.cols && size.rows === this.rows)) return;
    this.cols = size.cols;
    this.rows = size.rows;
    try {
      this.pty.resize(size.cols, size.rows);
    } catch {
      // The PTY closed between the exit and its event: nothing to resize.
    }
  }

  private setPaused(paused: boolean): void {
    if (paused === this.paused || !this.alive) return;
    this.paused = paused;
    if (paused) this.pty.pause();
    else this.pty.resume();
  }

  private detach(): void {
    this.listener = undefined;
    // A detached terminal keeps reading, so the replay holds the newest output when the client returns.
    this.setPaused(false);
    const graceMs = this.init.settings.graceMs;
    if (!this.alive) {
      this.init.onGone(this);
      return;
    }
    this.graceTimer = setTimeout(() => this.graceExpired(), graceMs);
    this.graceTimer.unref();
  }

  private graceExpired(): void {
    this.graceTimer = undefined;
    if (this.alive) void this.kill("grace_expired");
    else this.init.onGone(this);
  }

  private onOutput(data: string): void {
    this.touch();
    this.ring.push(data);
    this.listener?.output(data);
  }

  private onExit(exitCode: number, signal: number | undefined): TerminalExit {
    const exit: TerminalExit = {
      code: signal ? null : exitCode,
      signal: signal ? (SIGNAL_NAMES.get(signal) ?? String(signal)) : null,
      ...(this.endReason ? { reason: this.endReason } : {}),
    };
    this.exit = exit;
    clearTimeout(this.idleTimer);
    clearTimeout(this.resizeTimer);
    const listener = this.listener;
    if (listener) {
      listener.exit(exit);
      this.init.onGone(this);
    } else if (this.graceTimer === undefined) {
      // Nobody will come back for it (shutdown, or a grace period already over).
      this.init.onGone(this);
    }
    return exit;
  }

  private touch(): void {
    this.lastActivity = this.init.now();
  }

  /**
   * One timer per terminal, re-armed only when it fires: resetting a timer on every output chunk would
   * cost more than the output itself for a busy program.
   */
  private armIdleTimer(timeoutMs: number): void {
    if (timeoutMs <= 0) return;
    const remaining = this.lastActivity + timeoutMs - this.init.now();
    this.idleTimer = setTimeout(
      () => {
        if (!this.alive) return;
        if (this.init.now() - this.lastActivity >= timeoutMs) void this.kill("idle_timeout");
        else this.armIdleTimer(timeoutMs);
      },
      Math.max(remaining, 10),
    );
    this.idleTimer.unref();
  }
}
