import type { Logger } from "../../handlers/capabilities/logger.js";
import type {
  TerminalAttachment,
  TerminalExit,
  TerminalInfo,
  TerminalListener,
  TerminalOpenRequest,
  TerminalService,
} from "../../handlers/capabilities/terminals.js";

import { conflict, notFound, unsupported } from "../../storage/errors.js";
import type { GatewayProcesses } from "../runs/process-cookie.js";
import { Terminal } from "./terminal.js";

/** The part of the PTY module the manager uses. */
export type PtyModule = Pick<typeof import("@lydell/node-pty"), "spawn">;

const PTY_PACKAGE = "@lydell/node-pty";

/**
 * node-pty with its prebuilt binaries (no compiler at install). Imported on first terminal use, so a
 * machine where the native addon cannot load still runs everything else.
 */
const loadNodePty = (): Promise<PtyModule> => import("@lydell/node-pty");

export interface TerminalManagerOptions {
  /** The gateway's environment: the shell inherits it (plus TERM) and `SHELL` picks the shell. */
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  /** Marks each terminal's processes with a cookie, so what a shell detaches is killed with the terminal. */
  processes?: GatewayProcesses;
  newId?: () => string;
  now?: () => number;
  /** Loads the PTY module (default: `@lydell/node-pty`); tests pass one that fails. */
  loadPty?: () => Promise<PtyModule>;
}

const TERM = "xterm-256color";

/** The live terminals of this gateway (node-pty): opening, reattaching, listing, killing, shutdown. */
export class TerminalManager implements TerminalService {
  private readonly terminals = new Map<string, Terminal>();
  private readonly newId: () => string;
  private readonly now: () => number;
  private closing: Promise<void> | undefined;
  /** The PTY module once asked for; a failed load stays failed (a native addon does not fix itself). */
  private pty: Promise<PtyModule> | undefined;

  constructor(private readonly options: TerminalManagerOptions) {
    this.newId = options.newId ?? (() => crypto.randomUUID());
    this.now = options.now ?? Date.now;
  }

  /** `$SHELL`, else /bin/bash. */
  get shell(): string {
    return this.options.env.SHELL || "/bin/bash";
  }

  async ensureAvailable(): Promise<void> {
    await this.ptyModule();
  }

  async open(request: TerminalOpenRequest, listener: TerminalListener): Promise<TerminalAttachment> {
    const { spawn } = await this.ptyModule();
    if (this.closing) throw conflict("GATEWAY_SHUTTING_DOWN", "the gateway is shutting down");
    const limit = request.settings.maxPerClient;
    const owned = this.live().filter((t) => t.client === request.client).length;
    if (owned >= limit) {
      throw conflict(
        "TOO_MANY_TERMINALS",
        `this client already has ${owned} terminals (limit ${limit}): close one, or reattach with terminal_id`,
        { limit },
      );
    }
    const command = request.command ?? null;
    const id = this.newId();
    const family = this.options.processes?.family("term", id);
    const pty = spawn(this.shell, command === null ? [] : ["-c", command], {
      name: TERM,
      cols: request.cols,
      rows: request.rows,
      cwd: request.cwd,
      env: family ? family.env(this.ptyEnv()) : this.ptyEnv(),
    });
    const terminal = new Terminal({
      id,
      pty,
      family,
      cwd: request.cwd,
      command,
      cols: request.cols,
      rows: request.rows,
      client: request.client,
      settings: request.settings,
      now: this.now,
      onGone: (t) => this.forget(t),
    });
    this.terminals.set(terminal.id, terminal);
    this.options.logger.info({
      msg: "terminal opened",
      terminal_id: terminal.id,
      pid: terminal.pid,
      client: request.client,
      cwd: request.cwd,
    });
    void terminal.exited.then((exit) =>
      this.options.logger.info({ msg: "terminal exited", terminal_id: terminal.id, ...exit }),
    );
    return terminal.attach(listener);
  }

  attach(id: string, listener: TerminalListener, client?: string): TerminalAttachment {
    const terminal = this.terminals.get(id);
    if (!terminal || (client !== undefined && terminal.client !== client))
      throw notFound("TERMINAL_NOT_FOUND", `terminal '${id}' not found`, { terminal_id: id });
    return terminal.attach(listener);
  }

  get(id: string): TerminalInfo | undefined {
    const terminal = this.terminals.get(id);
    return terminal?.alive ? terminal.info() : undefined;
  }

  list(): TerminalInfo[] {
    return this.live().map((t) => t.info());
  }

  async kill(id: string): Promise<TerminalExit | null> {
    const terminal = this.terminals.get(id);
    if (!terminal?.alive) return null;
    return terminal.kill();
  }

  /** Kills every terminal (and its processes) and refuses new ones; resolves once all have exited. */
  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.terminals.values()].map((t) => t.kill("shutdown")));
      this.terminals.clear();
    })();
    return this.closing;
  }

  private ptyModule(): Promise<PtyModule> {
    this.pty ??= (this.options.loadPty ?? loadNodePty)().catch((error: unknown) => {
      const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0]!.trim();
      const platform = `${process.platform}-${process.arch}, Node ${process.version}`;
      this.options.logger.error({ msg: "terminals unavailable: the PTY module did not load", error: reason });
      throw unsupported(
        "NOT_SUPPORTED_IN_RUNTIME",
        `terminals are not available: the native PTY module ${PTY_PACKAGE} did not load on ${platform} ` +
          `(${reason}); reinstall dependencies with npm ci on a platform it ships binaries for`,
        { module: PTY_PACKAGE, platform: `${process.platform}-${process.arch}`, reason },
      );
    });
    return this.pty;
  }

  private live(): Terminal[] {
    return [...this.terminals.values()].filter((t) => t.alive);
  }

  private forget(terminal: Terminal): void {
    if (this.terminals.get(terminal.id) === terminal) this.terminals.delete(terminal.id);
  }

  private ptyEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.options.env)) if (value !== undefined) env[name] = value;
    env.TERM = TERM;
    return env;
  }
}
