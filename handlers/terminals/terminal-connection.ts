import type { WSContext } from "hono/ws";
import { z } from "zod";
import { StorageError } from "../../storage/errors.js";
import type { GatewayConfig } from "../../storage/gateway-config.js";
import { describeIssues } from "../../storage/schema-helpers.js";
import type {
  TerminalAttachment,
  TerminalExit,
  TerminalListener,
  TerminalService,
} from "../capabilities/terminals.js";
import type { Services } from "../context.js";
import { ApiError } from "../errors.js";
import { resolveTerminalCwd } from "./terminal-requests.js";

const MAX_FRAME_BYTES = 1024 * 1024;
/** Above this much unsent output the PTY is paused (its program blocks), below LOW it reads again. */
const HIGH_WATER_BYTES = 1024 * 1024;
const LOW_WATER_BYTES = 128 * 1024;
const DRAIN_POLL_MS = 20;
/** Frames a client may send after `init` before `ready` arrives; they are applied once it is ready. */
const MAX_EARLY_FRAMES = 1000;

const dimension = z.number().int().min(1).max(1000);

const ClientFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("init"),
    cwd: z.string().optional(),
    cols: dimension.optional(),
    rows: dimension.optional(),
    command: z.string().min(1, "must not be empty").max(65_536).optional(),
    terminal_id: z.string().min(1).max(200).optional(),
  }),
  z.object({ type: z.literal("input"), data: z.string() }),
  z.object({ type: z.literal("resize"), cols: dimension, rows: dimension }),
]);

type Frame = z.infer<typeof ClientFrame>;
export type InitFrame = Extract<Frame, { type: "init" }>;

/** Another wire format for the same frames (terminal-viben.ts), translated both ways. */
export interface TerminalCodec {
  /** A client's frame (parsed JSON) as one of ours, or what is wrong with it. */
  incoming(json: unknown): { frame: unknown } | { invalid: string };
  outgoing(frame: Record<string, unknown>): Record<string, unknown>;
}

function parseFrame(
  data: unknown,
  codec?: TerminalCodec,
): { frame: Frame } | { code: string; message: string } {
  if (typeof data !== "string") return { code: "INVALID_FRAME", message: "frames must be JSON text" };
  if (data.length > MAX_FRAME_BYTES) {
    return { code: "FRAME_TOO_LARGE", message: `frames are limited to ${MAX_FRAME_BYTES} bytes` };
  }
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { code: "INVALID_JSON", message: "frame is not valid JSON" };
  }
  if (codec) {
    const translated = codec.incoming(json);
    if ("invalid" in translated)
      return { code: "INVALID_FRAME", message: `invalid frame: ${translated.invalid}` };
    json = translated.frame;
  }
  const parsed = ClientFrame.safeParse(json);
  if (parsed.success) return { frame: parsed.data };
  return { code: "INVALID_FRAME", message: `invalid frame: ${describeIssues(parsed.error).message}` };
}

export interface ConnectionContext {
  services: Services;
  terminals: TerminalService;
  config: GatewayConfig;
  client: string;
  /** Admins may reattach to any client's terminal; others only to their own. */
  isAdmin: boolean;
}

/**
 * One `/terminal/ws` connection: `init` opens (or, with `terminal_id`, reattaches to) a terminal, then
 * `input` and `resize` drive it while `output` and finally `exit` flow back. A malformed frame gets an
 * `error` frame and the connection stays usable. Closing the socket detaches; the terminal lives on
 * for the grace period.
 */
export class TerminalConnection implements TerminalListener {
  private attachment: TerminalAttachment | undefined;
  /** Frames received while the terminal starts (present only then). */
  private early: Frame[] | undefined;
  private closed = false;
  private drainTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly ctx: ConnectionContext,
    private readonly ws: WSContext,
    private readonly codec?: TerminalCodec,
  ) {}

  /** Opens the terminal without waiting for an `init` frame (dialects that connect at once). */
  begin(init: Omit<InitFrame, "type">): void {
    this.handle({ type: "init", ...init });
  }

  onMessage(data: unknown): void {
    const parsed = parseFrame(data, this.codec);
    if ("frame" in parsed) this.handle(parsed.frame);
    else this.error(parsed.code, parsed.message);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.drainTimer);
    this.attachment?.detach();
    this.attachment = undefined;
  }

  output(data: string): void {
    this.send({ type: "output", data });
    this.applyBackpressure();
  }

  exit(exit: TerminalExit): void {
    this.send({ type: "exit", ...exit });
    this.attachment = undefined;
    if (!this.closed) this.ws.close(1000, "terminal exited");
  }

  replaced(): void {
    this.attachment = undefined;
    this.error("TERMINAL_REPLACED", "another connection attached to this terminal");
    if (!this.closed) this.ws.close(4001, "replaced by another connection");
  }

  private handle(frame: Frame): void {
    if (frame.type === "init") {
      if (this.attachment || this.early) {
        this.error("ALREADY_INITIALIZED", "this connection already has a terminal");
      } else {
        this.early = [];
        void this.init(frame).finally(() => this.flushEarly());
      }
    } else if (this.early) {
      if (this.early.length < MAX_EARLY_FRAMES) this.early.push(frame);
      else this.error("TOO_MANY_FRAMES", "too many frames before the terminal is ready");
    } else if (!this.attachment) {
      this.error("NOT_INITIALIZED", "no terminal on this connection: send init first");
    } else if (frame.type === "input") {
      this.attachment.write(frame.data);
    } else {
      this.attachment.resize(frame.cols, frame.rows);
    }
  }

  /** Applies what arrived while the terminal started; dropped when it failed to start. */
  private flushEarly(): void {
    const early = this.early ?? [];
    this.early = undefined;
    if (this.attachment) for (const frame of early) this.handle(frame);
  }

  private async init(frame: InitFrame): Promise<void> {
    const { services, terminals, config, client, isAdmin } = this.ctx;
    let attachment: TerminalAttachment;
    try {
      if (frame.terminal_id) {
        attachment = terminals.attach(frame.terminal_id, this, isAdmin ? undefined : client);
        if (frame.cols && frame.rows) attachment.resize(frame.cols, frame.rows);
      } else {
        const cwd = await resolveTerminalCwd(services, frame.cwd, config.workdirRoots);
        attachment = await terminals.open(
          {
            cwd,
            cols: frame.cols ?? 80,
            rows: frame.rows ?? 24,
            command: frame.command,
            client,
            settings: config.terminals,
          },
          this,
        );
      }
    } catch (error) {
      return this.fail(error);
    }
    if (this.closed) {
      // The client left while the terminal was starting: it waits for a reattach like any other.
      attachment.detach();
      return;
    }
    this.attachment = attachment;
    this.send({ type: "ready", terminal_id: attachment.terminalId, pid: attachment.pid });
    if (attachment.replay) this.send({ type: "output", data: attachment.replay, replay: true });
  }

  /** Pauses the PTY while the socket's send buffer is full, and resumes it once the buffer drains. */
  private applyBackpressure(): void {
    if (this.drainTimer || this.buffered() <= HIGH_WATER_BYTES) return;
    this.attachment?.pause();
    this.drainTimer = setInterval(() => {
      if (this.buffered() > LOW_WATER_BYTES) return;
      clearInterval(this.drainTimer);
      this.drainTimer = undefined;
      this.attachment?.resume();
    }, DRAIN_POLL_MS);
  }

  private buffered(): number {
    return (this.ws.raw as { bufferedAmount?: number } | undefined)?.bufferedAmount ?? 0;
  }

  private send(frame: Record<string, unknown>): void {
    if (!this.closed) this.ws.send(JSON.stringify(this.codec ? this.codec.outgoing(frame) : frame));
  }

  /**
   * Several instances: a terminal of another instance cannot be reattached here (its PTY is a process
   * there), so the client is told where it lives and reconnects to that instance's /terminal/ws.
   */
  private async pointElsewhere(id: string, code: string, message: string): Promise<void> {
    const where = await this.ctx.services.terminalOwners?.whereIs(id).catch(() => undefined);
    if (!where) return this.error(code, message);
    this.send({
      type: "error",
      code: "TERMINAL_ON_ANOTHER_INSTANCE",
      message: `terminal '${id}' lives on instance '${where.instanceId}': reattach at ${where.url}/terminal/ws`,
      terminal_id: id,
      instance_id: where.instanceId,
      url: `${where.url.replace(/^http/, "ws")}/terminal/ws`,
    });
  }

  private error(code: string, message: string): void {
    this.send({ type: "error", code, message });
  }

  private fail(error: unknown): void {
    if (error instanceof ApiError || error instanceof StorageError) {
      const id = (error.details as { terminal_id?: unknown } | undefined)?.terminal_id;
      if (error.code === "TERMINAL_NOT_FOUND" && typeof id === "string" && this.ctx.services.terminalOwners) {
        void this.pointElsewhere(id, error.code, error.message);
        return;
      }
      this.error(error.code, error.message);
      return;
    }
    this.ctx.services.logger.error({ msg: "terminal init failed", error: (error as Error).message });
    this.error("TERMINAL_FAILED", `the terminal could not be started: ${(error as Error).message}`);
  }
}
