import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { either, HandoffAnswerSchema, HandoffRequestSchema } from "./delegation-schemas.js";

/**
 * The conversation continues with another agent: the session changes hands (a system line in its
 * transcript says so) and, given a message, the new agent answers it with the conversation so far and
 * any context prepended (it cannot resume the old agent's executor session).
 */
function handoffRouter(operationId: string, path: string) {
  return createRouter().openapi(
    defineRoute("operator", {
      method: "post",
      path,
      operationId,
      tags: ["Delegation"],
      summary: "Hand a session over to another agent (and have it answer a message)",
      request: { body: jsonBody(HandoffRequestSchema) },
      responses: {
        200: jsonContent(
          HandoffAnswerSchema,
          "The session's new agent, and its answer when a message was given",
        ),
        ...errorResponses(400, 402, 404, 409, 501),
      },
    }),
    async (c) => {
      const delegation = requireCapability(c.get("services"), "delegation");
      const body = c.req.valid("json");
      const result = await delegation.handoff({
        sessionId: either(body.session_id, body.sessionKey)!,
        agentId: either(body.agent_id, body.newAgent)!,
        message: body.message,
        context: body.context,
        workdirRoots: c.get("gatewayConfig").workdirRoots,
      });
      return c.json({ ok: true as const, ...result }, 200);
    },
  );
}

/** Mounted at `/agent`: OpenVesper's `POST /agent/handoff`. */
export const agentHandoffRouter = handoffRouter("handoffSession", "/handoff");
/** Mounted at `/api/handoffs`. */
export const handoffsRouter = handoffRouter("createHandoff", "/");
