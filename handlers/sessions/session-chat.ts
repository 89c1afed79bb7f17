import { z } from "@hono/zod-openapi";
import { idSchema } from "../../storage/schema-helpers.js";
import { assertRunAllowed } from "../access/run-access.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, limitQuery } from "../lib/schemas.js";
import { prepareChatRun, requireSessions } from "../runs/run-requests.js";

const SessionParams = z.object({
  id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "a1b2c3d4" }),
});

const HistoryMessageSchema = z
  .object({
    role: z.string(),
    text: z.string(),
    timestamp: z.string(),
    id: z.string(),
    seq: z.number(),
    run_id: z.string().optional(),
  })
  .openapi("SessionHistoryMessage");

const SendMessageSchema = z
  .object({ message: z.string().min(1, "must not be empty").max(1_000_000) })
  .openapi("SessionMessageSend");

const SendMessageAnswerSchema = z
  .object({
    session_id: z.string(),
    run_id: z.string(),
    response: z.string().optional().openapi({ description: "The agent's final text (the run completed)" }),
    error: z.string().optional().openapi({ description: "Why the run did not complete (Ryvos answers 200)" }),
    status: z.enum(["completed", "failed", "stopped", "timeout"]),
    tools_used: z.array(z.string()),
    tokens: z.object({ input: z.number(), output: z.number() }),
    cost_cents: z.number(),
  })
  .openapi("SessionMessageAnswer");

/**
 * The Ryvos web UI's session routes (crates/ryvos-gateway/src/routes.rs): a session's latest messages as
 * `{role, text, timestamp}`, and a message that runs the session's agent to completion and answers its
 * final text. Beside the seed's GET /api/sessions and /api/sessions/{id}, which stay as they are.
 */
export const sessionChatRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/history",
      operationId: "getSessionHistory",
      tags: ["Sessions"],
      summary: "A session's latest messages as {role, text, timestamp}, oldest first (Ryvos)",
      request: { params: SessionParams, query: z.object({ limit: limitQuery(50) }) },
      responses: {
        200: jsonContent(
          z.object({ session_id: z.string(), messages: z.array(HistoryMessageSchema) }),
          "Messages",
        ),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const { sessions } = requireSessions(c.get("services"));
      const { id } = c.req.valid("param");
      if (!(await sessions.find(id)))
        throw new ApiError(404, "SESSION_NOT_FOUND", `session '${id}' not found`, { session_id: id });
      const page = await sessions.listMessages(id, { limit: c.req.valid("query").limit ?? 50 });
      const messages = page.messages.map((m) => ({
        role: m.role,
        text: m.content,
        timestamp: m.timestamp,
        id: m.id,
        seq: m.seq,
        ...(m.run_id ? { run_id: m.run_id } : {}),
      }));
      return c.json({ session_id: id, messages }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/messages",
      operationId: "sendSessionMessage",
      tags: ["Sessions"],
      summary:
        "Run the session's agent (the default agent for a new id) with a message and answer its final text (Ryvos)",
      request: { params: SessionParams, body: jsonBody(SendMessageSchema) },
      responses: {
        200: jsonContent(
          SendMessageAnswerSchema,
          "The run ended: `response` when it completed, else `error`",
        ),
        ...errorResponses(400, 402, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const runs = requireCapability(services, "runs");
      const { id } = c.req.valid("param");
      const request = await prepareChatRun(
        services,
        { message: c.req.valid("json").message, session_id: id },
        c.get("gatewayConfig").workdirRoots,
        "chat",
      );
      await assertRunAllowed(c, request.agent.id);
      const outcome = await (await runs.start(request)).done;
      const completed = outcome.status === "completed";
      return c.json(
        {
          session_id: outcome.sessionId,
          run_id: outcome.runId,
          ...(completed
            ? { response: outcome.response }
            : { error: outcome.error ?? `the run ended ${outcome.status}` }),
          status: outcome.status,
          tools_used: outcome.toolsUsed,
          tokens: outcome.tokens,
          cost_cents: outcome.costCents,
        },
        200,
      );
    },
  );
