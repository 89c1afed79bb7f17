import { z } from "zod";
import { describeIssues, idSchema } from "../../storage/schema-helpers.js";
import type { GatewayEvent } from "../capabilities/events.js";
import { requireCapability } from "../lib/capability-guard.js";
import { prepareChatRun } from "../runs/run-requests.js";
import type { WsLink } from "./ws-link.js";

/*
 * The original Viben server's /ws dialect (LinXueyuanStdio/viben packages/core/src/gateway/routes/ws.ts):
 * PascalCase frames `{type, data?}`. From its first frame the connection receives every event as
 * `{type:"Event", data:{channel, payload:{type:<PascalCase>, data:<our envelope>}}}`, narrowed to the
 * channels named by `Subscribe` (all while none is named).
 */

export const VIBEN_FRAME_TYPES = new Set(["Ping", "Subscribe", "Unsubscribe", "SendMessage"]);

const channels = z.array(z.string().min(1).max(100)).max(100);

/** A missing `data` is checked as an empty one, so the message names the field that is missing. */
const dataOf = <T extends z.ZodType>(schema: T) => z.preprocess((value) => value ?? {}, schema);

const VibenFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("Ping") }),
  z.object({ type: z.literal("Subscribe"), data: dataOf(z.object({ channels })) }),
  z.object({ type: z.literal("Unsubscribe"), data: dataOf(z.object({ channels })) }),
  z.object({
    type: z.literal("SendMessage"),
    data: dataOf(
      z.object({
        session_id: idSchema,
        content: z.string().min(1, "must not be empty").max(1_000_000),
        agent_id: idSchema.optional(),
      }),
    ),
  }),
]);

/** Viben's channel of an event type, as its server names them; runs and their output are session events. */
export function vibenChannel(type: string): string {
  if (type.startsWith("cron")) return "cron";
  if (type.startsWith("channel")) return "channels";
  if (type.startsWith("group")) return "group";
  if (type.startsWith("task") || type.startsWith("kanban")) return "tasks";
  if (type.startsWith("agent")) return "agents";
  if (
    type.startsWith("session") ||
    type.startsWith("run_") ||
    type.startsWith("tool_") ||
    type.startsWith("approval_") ||
    type === "delta" ||
    type === "turn_complete" ||
    type === "executor_warning" ||
    type === "execution_log"
  )
    return "sessions";
  return "gateway";
}

/** `cron_fired` → `CronFired`. */
export const pascalCase = (type: string) =>
  type
    .split("_")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");

export class VibenDialect {
  private readonly channels = new Set<string>();
  private started = false;

  constructor(private readonly link: WsLink) {}

  /** Sends Viben's error frame (it carries no code there; ours is added). */
  error(message: string, code = "INVALID_FRAME"): void {
    this.link.send({ type: "Error", data: { message, code } });
  }

  async handle(json: unknown): Promise<void> {
    this.start();
    const parsed = VibenFrame.safeParse(json);
    if (!parsed.success) return this.error(`invalid frame: ${describeIssues(parsed.error).message}`);
    const frame = parsed.data;
    switch (frame.type) {
      case "Ping":
        return this.link.send({ type: "Pong" });
      case "Subscribe":
        for (const channel of frame.data.channels) this.channels.add(channel);
        return this.link.send({ type: "Subscribed", data: { channels: [...this.channels] } });
      case "Unsubscribe":
        for (const channel of frame.data.channels) this.channels.delete(channel);
        return this.link.send({ type: "Unsubscribed", data: { channels: [...this.channels] } });
      case "SendMessage": {
        // Viben only echoed the message to listeners; here it continues the session with a run, whose
        // events reach this connection on the sessions channel.
        this.link.requireRole("operator");
        const runs = requireCapability(this.link.services, "runs");
        const request = await prepareChatRun(
          this.link.services,
          { message: frame.data.content, session_id: frame.data.session_id, agent_id: frame.data.agent_id },
          this.link.config.workdirRoots,
          "ws",
        );
        await this.link.checkRunAccess(request.agent.id);
        await runs.start(request);
        return;
      }
    }
  }

  /** The connection's event stream in Viben's frames, from its first Viben frame on. */
  private start(): void {
    if (this.started) return;
    this.link.requireBus();
    this.started = true;
    this.link.pump(
      {},
      {
        render: (event) => this.render(event),
        onDropped: (reason) => this.error(reason, "SUBSCRIBER_DROPPED"),
      },
    );
  }

  private render(event: GatewayEvent): string | undefined {
    const channel = vibenChannel(event.type);
    if (this.channels.size > 0 && !this.channels.has(channel)) return undefined;
    return JSON.stringify({
      type: "Event",
      data: { channel, payload: { type: pascalCase(event.type), data: event } },
    });
  }
}
