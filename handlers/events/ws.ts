import type { WSContext, WSEvents } from "hono/ws";
import { z } from "zod";
import { StorageError } from "../../storage/errors.js";
import type { GatewayConfig, Role } from "../../storage/gateway-config.js";
import { describeIssues, idSchema } from "../../storage/schema-helpers.js";
import type { EventFilter } from "../capabilities/events.js";
import type { Services } from "../context.js";
import { ApiError } from "../errors.js";
import { createDocumentedRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, switchingProtocols, webSocketHandshake } from "../lib/schemas.js";
import { prepareChatRun } from "../runs/run-requests.js";
import { eventJson } from "./event-json.js";
import { WsLink } from "./ws-link.js";
import { OPENVESPER_FRAME_TYPES, OpenVesperDialect } from "./ws-openvesper.js";
import { RyvosDialect } from "./ws-ryvos.js";
import { VIBEN_FRAME_TYPES, VibenDialect } from "./ws-viben.js";

const MAX_FRAME_BYTES = 1024 * 1024;

const ClientFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("chat"),
    message: z.string().min(1, "must not be empty").max(1_000_000),
    session_id: idSchema.optional(),
    agent_id: idSchema.optional(),
    workdir: z.string().optional(),
    id: z.string().max(200).optional(),
  }),
  z.object({
    type: z.literal("subscribe"),
    session_id: idSchema.optional(),
    agent_id: idSchema.optional(),
    types: z.array(z.string()).optional(),
    id: z.string().max(200).optional(),
  }),
  z.object({
    type: z.literal("unsubscribe"),
    subscription: z.number().int().optional(),
    id: z.string().optional(),
  }),
  z.object({ type: z.literal("stop"), session_id: idSchema, id: z.string().max(200).optional() }),
  z.object({ type: z.literal("ping"), id: z.string().max(200).optional() }),
]);

type Frame = z.infer<typeof ClientFrame>;
type Dialect = "gateway" | "viben" | "ryvos" | "openvesper";

/** Which protocol a frame speaks: Viben's PascalCase types, Ryvos's `request`, else ours. */
function dialectOf(json: unknown): Dialect {
  const type = (json as { type?: unknown } | null)?.type;
  if (typeof type !== "string") return "gateway";
  if (VIBEN_FRAME_TYPES.has(type)) return "viben";
  if (OPENVESPER_FRAME_TYPES.has(type)) return "openvesper";
  return type === "request" ? "ryvos" : "gateway";
}

/**
 * One WebSocket client. Each frame is answered in the protocol it speaks: ours (the Ryvos seed's `chat`,
 * plus `subscribe`, `unsubscribe`, `stop`, `ping`), the original Viben server's PascalCase frames
 * (ws-viben.ts) or Ryvos's RPC requests (ws-ryvos.ts); a dialect, once seen, also adds its own event
 * pushes to the connection. `chat` starts a run and streams its events to this client; `subscribe` adds
 * the broadcast events of other runs; `stop` stops a session's run. A malformed frame gets an `error`
 * frame (in the connection's dialect when it is not JSON) and the connection stays usable.
 */
class WsClient {
  private readonly link: WsLink;
  private dialect: Dialect = "gateway";
  private viben: VibenDialect | undefined;
  private ryvos: RyvosDialect | undefined;
  private openVesper: OpenVesperDialect | undefined;

  constructor(services: Services, role: Role, config: GatewayConfig, ws: WSContext, keyName?: string) {
    this.link = new WsLink(services, role, config, ws, keyName);
  }

  async onMessage(data: unknown): Promise<void> {
    if (typeof data !== "string") return this.textError("INVALID_FRAME", "frames must be JSON text");
    if (data.length > MAX_FRAME_BYTES)
      return this.textError("FRAME_TOO_LARGE", `frames are limited to ${MAX_FRAME_BYTES} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return this.textError("INVALID_JSON", "frame is not valid JSON");
    }
    const dialect = dialectOf(json);
    if (dialect !== "gateway") this.dialect = dialect;
    try {
      if (dialect === "viben") {
        this.viben ??= new VibenDialect(this.link);
        return await this.viben.handle(json);
      }
      if (dialect === "ryvos") {
        this.ryvos ??= new RyvosDialect(this.link);
        return await this.ryvos.handle(json);
      }
      if (dialect === "openvesper") {
        this.openVesper ??= new OpenVesperDialect(this.link);
        return await this.openVesper.handle(json);
      }
    } catch (error) {
      return this.fail(error, undefined, dialect);
    }
    const parsed = ClientFrame.safeParse(json);
    if (!parsed.success) {
      const id = typeof (json as { id?: unknown })?.id === "string" ? (json as { id: string }).id : undefined;
      return this.error("INVALID_FRAME", `invalid frame: ${describeIssues(parsed.error).message}`, id);
    }
    try {
      await this.handle(parsed.data);
    } catch (error) {
      this.fail(error, parsed.data.id, "gateway");
    }
  }

  close(): void {
    this.link.close();
    this.ryvos?.release();
  }

  private async handle(frame: Frame): Promise<void> {
    switch (frame.type) {
      case "ping":
        return this.link.send({ type: "pong", id: frame.id });
      case "subscribe": {
        const subscription = this.subscribe({
          session_id: frame.session_id,
          agent_id: frame.agent_id,
          types: frame.types,
        });
        return this.link.send({ type: "subscribed", subscription, id: frame.id });
      }
      case "unsubscribe": {
        const ids = frame.subscription === undefined ? this.link.subscriptionIds() : [frame.subscription];
        for (const id of ids) this.link.unsubscribe(id);
        return this.link.send({ type: "unsubscribed", subscriptions: ids, id: frame.id });
      }
      case "stop": {
        this.link.requireRole("operator");
        const stopped = await requireCapability(this.link.services, "runs").stop(frame.session_id);
        return this.link.send({ type: "stopped", session_id: frame.session_id, stopped, id: frame.id });
      }
      case "chat": {
        this.link.requireRole("operator");
        const runs = requireCapability(this.link.services, "runs");
        const request = await prepareChatRun(this.link.services, frame, this.link.config.workdirRoots, "ws");
        await this.link.checkRunAccess(request.agent.id);
        const bus = this.link.requireBus();
        // Events published from here on are replayed to the new subscription, so none is missed.
        const afterSeq = bus.lastSeq;
        const run = await runs.start(request);
        const subscription = this.subscribe({ session_id: run.sessionId }, afterSeq, run.runId);
        return this.link.send({
          type: "chat_started",
          session_id: run.sessionId,
          run_id: run.runId,
          subscription,
          id: frame.id,
        });
      }
    }
  }

  /** Our envelope for matching events; a chat subscription ends with its run. */
  private subscribe(filter: EventFilter, afterSeq?: number, untilRunEnds?: string): number {
    return this.link.pump(filter, {
      afterSeq,
      render: eventJson,
      endsWith: (event) =>
        untilRunEnds !== undefined &&
        event.run_id === untilRunEnds &&
        (event.type === "run_complete" || event.type === "run_error"),
      onDropped: (reason, subscription) =>
        this.link.send({ type: "error", code: "SUBSCRIBER_DROPPED", message: reason, subscription }),
    });
  }

  /** An error about a frame whose dialect cannot be told: answered in the connection's dialect. */
  private textError(code: string, message: string): void {
    if (this.dialect === "viben") this.viben?.error(message, code);
    else if (this.dialect === "ryvos") this.ryvos?.parseError(message);
    else if (this.dialect === "openvesper") this.openVesper?.error(message, code);
    else this.error(code, message);
  }

  private error(code: string, message: string, id?: string): void {
    this.link.send({ type: "error", code, message, ...(id ? { id } : {}) });
  }

  private fail(error: unknown, id: string | undefined, dialect: Dialect): void {
    const known = error instanceof ApiError || error instanceof StorageError;
    if (!known)
      this.link.services.logger.error({ msg: "websocket frame failed", error: (error as Error).message });
    const [code, message] = known ? [error.code, error.message] : ["INTERNAL_ERROR", "internal error"];
    if (dialect === "viben") this.viben?.error(message, code);
    else if (dialect === "openvesper") this.openVesper?.error(message, code);
    else this.error(code, message, id);
  }
}

const WS_DESCRIPTION = [
  "Text frames of JSON. The client sends",
  '`{"type":"chat","message","agent_id"?,"session_id"?,"workdir"?,"id"?}` (operator; answered by `chat_started`',
  "`{session_id, run_id, subscription}`, then the run's events),",
  '`{"type":"subscribe","session_id"?,"agent_id"?,"types"?}` (→ `subscribed`), `{"type":"unsubscribe","subscription"?}`',
  '(→ `unsubscribed`), `{"type":"stop","session_id"}` (operator; → `stopped`) and `{"type":"ping"}` (→ `pong`);',
  "an optional `id` is echoed in the answer. Events arrive in the envelope of `/api/events`",
  '`{"type","seq","ts","session_id"?,"run_id"?,...payload}`. A malformed frame gets',
  '`{"type":"error","code","message","id"?}` and the connection stays open.',
  "The same socket also speaks, frame by frame, the original Viben server's dialect (`Ping` → `Pong`,",
  '`{"type":"Subscribe"|"Unsubscribe","data":{"channels":[...]}}` for the channels agents, sessions, cron, tasks,',
  "gateway...; `SendMessage {data:{session_id, content}}` (operator) continues a session; from the first such frame",
  'every event arrives as `{"type":"Event","data":{"channel","payload":{"type":<PascalCase>,"data":<envelope>}}}`)',
  'and Ryvos\'s RPC dialect (`{"type":"request","id","method","params"}` with `agent.send`, `agent.cancel`,',
  '`session.list`, `session.history`, `approval.respond`, answered by `{"type":"response","id","result"|"error"}`;',
  'from the first request every event is pushed as `{"type":"event","session_id","event":{"kind","text"?,"tool"?,"data"?}}`),',
  'and OpenVesper\'s (`{"type":"register","sessionKey","channel"?}` → `registered`; `{"type":"message","sessionKey"?,"message","agent"?,"channel"?}`',
  "(operator) runs the agent in the key's session: `start {sessionId, agent, runId}`, `token {text}`…, `tool-call`, `tool-result`,",
  "then `done {reply, durationMs}` or `error {error}`).",
].join(" ");

/** How /ws appears in the OpenAPI document (the handler below serves it). */
const wsRoute = defineRoute("viewer", {
  method: "get",
  path: "/",
  operationId: "connectWebSocket",
  tags: ["WebSocket"],
  summary: "Open the WebSocket for chat and live events (chat and stop frames need operator)",
  description: WS_DESCRIPTION,
  request: webSocketHandshake,
  responses: {
    ...switchingProtocols("Frames as described above."),
    ...errorResponses(426, 501),
  },
});

/** /ws: the WebSocket protocol, where the runtime can upgrade connections (501 elsewhere). */
export const wsRouter = createDocumentedRouter(wsRoute).get("/", async (c, next) => {
  const services = c.get("services");
  const upgradeWebSocket = requireCapability(services, "upgradeWebSocket");
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "UPGRADE_REQUIRED", "connect with a WebSocket client");
  }
  const role = c.get("role");
  const config = c.get("gatewayConfig");
  const keyName = c.get("keyName");
  return upgradeWebSocket((): WSEvents => {
    let client: WsClient | undefined;
    return {
      onOpen: (_event, ws) => {
        client = new WsClient(services, role, config, ws, keyName);
      },
      onMessage: (event, ws) => {
        client ??= new WsClient(services, role, config, ws, keyName);
        void client.onMessage(event.data);
      },
      onClose: () => client?.close(),
      onError: () => client?.close(),
    };
  })(c, next);
});
