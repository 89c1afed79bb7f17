import { z } from "@hono/zod-openapi";
import type { WSEvents } from "hono/ws";
import { idSchema } from "../../storage/schema-helpers.js";
import { ApiError, validationError } from "../errors.js";
import { createDocumentedRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute, requireRole } from "../lib/roles.js";
import { errorResponses, switchingProtocols, webSocketHandshake } from "../lib/schemas.js";
import { AgentRunConnection, type ConnectionDefaults } from "./agent-run-connection.js";
import { requireInteractiveRuns } from "./interactive-runs.js";

const DESCRIPTION = [
  "The Viben desktop's interactive agent socket. Text frames of JSON. The client sends",
  '`{"type":"start","prompt","agent_id"?,"agent_config_path"?,"agent_config"?,"cwd"?,"session_id"?,"resume"?}`,',
  '`{"type":"steer","message"}` (a turn added to the running conversation), `{"type":"answer","question_id","answers"}`,',
  '`{"type":"approve","plan_id"|"question_id"}`, `{"type":"reject","plan_id"|"question_id","message"?}`,',
  '`{"type":"cancel"}` and `{"type":"ping"}` (→ `pong`). The gateway sends `session {session_id, run_id}`,',
  "`status {status}`, `sdk_session`, `text {content}`, `thinking {content}`, `tool_use {id, name, input}`,",
  "`tool_result {tool_use_id, output, is_error}`, `question {id, kind, tool_name, input, questions}`,",
  "`plan {plan_id, plan}`, `question_cancelled {id}`, `steered {message}` (a steer was handed over), `context_usage {input_tokens, output_tokens, ...}`,",
  "`result {subtype, cost, duration}` per turn, `error {message, code}` and `done {session_id, status}`.",
  "Query parameters give `start` its defaults; the connection keeps its session, so a later `start`",
  "continues it. A bad message gets an `error` frame and the connection stays open; closing it interrupts the run.",
].join(" ");

const QuerySchema = webSocketHandshake.query.extend({
  cwd: z.string().max(4096).optional(),
  agent_config_path: z.string().max(4096).optional(),
  agent_id: idSchema.optional(),
  session_id: idSchema.optional(),
});

const agentRunWsRoute = defineRoute("operator", {
  method: "get",
  path: "/",
  operationId: "connectAgentRun",
  tags: ["Runs"],
  summary: "Open an interactive agent run over WebSocket (steer, answer, approve, reject, cancel)",
  description: DESCRIPTION,
  request: { ...webSocketHandshake, query: QuerySchema },
  responses: {
    ...switchingProtocols("Frames as described above."),
    ...errorResponses(426, 501),
  },
});

/** /ws/agent/run: interactive runs over WebSocket (operator role; 501 where runs cannot be started). */
export const agentRunWsRouter = createDocumentedRouter(agentRunWsRoute).get(
  "/",
  async (c, next) => {
    requireInteractiveRuns(c.get("services"));
    requireCapability(c.get("services"), "upgradeWebSocket");
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError(426, "UPGRADE_REQUIRED", "connect with a WebSocket client");
    }
    await next();
  },
  requireRole("operator"),
  async (c, next) => {
    const services = c.get("services");
    const parsed = QuerySchema.safeParse(c.req.query());
    if (!parsed.success) throw validationError(parsed.error, "query");
    const { token: _token, ...defaults } = parsed.data;
    const config = c.get("gatewayConfig");
    const keyName = c.get("keyName");
    return services.upgradeWebSocket!((): WSEvents => {
      let connection: AgentRunConnection | undefined;
      const open = (ws: Parameters<NonNullable<WSEvents["onOpen"]>>[1]) =>
        (connection ??= new AgentRunConnection(
          services,
          config,
          defaults as ConnectionDefaults,
          ws,
          keyName,
        ));
      return {
        onOpen: (_event, ws) => {
          open(ws);
        },
        onMessage: (event, ws) => void open(ws).onMessage(event.data),
        onClose: () => connection?.close(),
        onError: () => connection?.close(),
      };
    })(c, next);
  },
);
