import { z } from "@hono/zod-openapi";
import type { WSEvents } from "hono/ws";
import { idSchema } from "../../storage/schema-helpers.js";
import { ApiError, validationError } from "../errors.js";
import { createDocumentedRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute, requireRole } from "../lib/roles.js";
import { errorResponses, switchingProtocols, webSocketHandshake } from "../lib/schemas.js";
import { findChat, groupChatSessions } from "./group-chat-access.js";
import { GroupChatConnection } from "./group-chat-connection.js";

const DESCRIPTION = [
  "A group chat session's live stream. Text frames of JSON. The client sends",
  '`{"type":"send_message","content","sender_id"?,"sender_name"?}` (also spelled `chat` with `message`),',
  '`{"type":"stop"}` (stops the orchestration and every member run), `{"type":"switch_view","view"?}`,',
  '`{"type":"typing"}` and `{"type":"ping"}`. The gateway sends `connected`, `new_message {message}`,',
  "`agent_thinking {agent_id}`, `member_run_started {agent_id, run_id, pid}`, each member's run events",
  "(`run_started`, `delta`, `tool_start`, `tool_end`, `run_complete`, `run_error`, ...) with `agent_id` and",
  "`group_session_id`, `agent_response {agent_id, content, message}`, `coordinator_decision {next, done, reason}`,",
  "`orchestration_complete {reason, turns}`, `message_accepted`, `stopped`, `view_data`, `pong` and `error {error, code}`.",
].join(" ");

const QuerySchema = webSocketHandshake.query.extend({
  workspace_path: z.string().optional(),
  member_id: z.string().max(200).optional(),
});
const Params = z.object({ id: idSchema, sid: idSchema });

const groupChatWsRoute = defineRoute("operator", {
  method: "get",
  path: "/",
  operationId: "connectGroupChatSession",
  tags: ["Group chats"],
  summary: "Stream a group chat session over WebSocket (every member's events; send messages and stop)",
  description: DESCRIPTION,
  request: { ...webSocketHandshake, params: Params, query: QuerySchema },
  responses: { ...switchingProtocols("Frames as described above."), ...errorResponses(404, 426, 501) },
});

/** /api/group-chats/{id}/sessions/{sid}/ws (operator role; 501 where the runtime cannot run agents). */
export const groupChatWsRouter = createDocumentedRouter(groupChatWsRoute).get(
  "/",
  async (c, next) => {
    requireCapability(c.get("services"), "groupChats");
    requireCapability(c.get("services"), "upgradeWebSocket");
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError(426, "UPGRADE_REQUIRED", "connect with a WebSocket client");
    }
    await next();
  },
  requireRole("operator"),
  async (c, next) => {
    const services = c.get("services");
    const params = Params.safeParse({ id: c.req.param("id"), sid: c.req.param("sid") });
    if (!params.success) throw validationError(params.error, "param");
    const query = QuerySchema.safeParse(c.req.query());
    if (!query.success) throw validationError(query.error, "query");
    // A wrong chat or session is a 404 answer to the handshake, not a socket that closes at once.
    const { chat, scope } = await findChat(services, query.data, params.data.id);
    await groupChatSessions.get(scope, chat.id, params.data.sid);
    const ref = { scope, groupChatId: chat.id, sessionId: params.data.sid };
    const runtime = services.groupChats!;
    const roots = c.get("gatewayConfig").workdirRoots;
    const memberId = query.data.member_id ?? c.get("keyName") ?? "user";
    return services.upgradeWebSocket!((): WSEvents => {
      let connection: GroupChatConnection | undefined;
      const open = (ws: Parameters<NonNullable<WSEvents["onOpen"]>>[1]) =>
        (connection ??= new GroupChatConnection(runtime, ref, ws, memberId, roots));
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
