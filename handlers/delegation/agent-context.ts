import { z } from "@hono/zod-openapi";
import { AgentContextRepository, ANY_SESSION } from "../../storage/agent-context.js";
import { idSchema } from "../../storage/schema-helpers.js";
import type { Services } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { AgentContextRequestSchema, AgentContextSchema, either } from "./delegation-schemas.js";

const TAGS = ["Delegation"];
const CONTEXT_PREFIX = "Context from the delegating agent:\n";

const agentParam = (name: string) =>
  z.object({ [name]: idSchema.openapi({ param: { name, in: "path" } }) }) as z.ZodObject<
    Record<string, typeof idSchema>
  >;

/** The stored context as OpenVesper's context inspection shows it: the prompt part it becomes, by layer. */
async function contextView(services: Services, agent: string, sessionKey: string, context?: string) {
  const repository = new AgentContextRepository(services.scopes.global(), () => services.clock.now());
  const entry =
    context === undefined
      ? await repository.get(agent, sessionKey)
      : await repository.set(agent, sessionKey, context);
  const text = entry?.context ?? "";
  const prompt = text ? `${CONTEXT_PREFIX}${text}` : "";
  return {
    agent,
    session_key: sessionKey,
    sessionKey,
    context: text,
    updated_at: entry?.updated_at ?? null,
    promptLength: prompt.length,
    layers: [{ name: "delegation_context", priority: 0, enabled: text !== "", length: text.length }],
    prompt,
  };
}

/** Mounted at `/agent`: OpenVesper's `POST /agent/{agent}/context` (stores `context` when given, then shows it). */
export const agentContextRouter = createRouter().openapi(
  defineRoute("operator", {
    method: "post",
    path: "/{agent}/context",
    operationId: "setAgentContext",
    tags: TAGS,
    summary: "Context passed to an agent: stored per conversation, prepended to its next delegated runs",
    request: { params: agentParam("agent"), body: jsonBody(AgentContextRequestSchema) },
    responses: { 200: jsonContent(AgentContextSchema, "The context in force"), ...errorResponses(400) },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const sessionKey = either(body.session_key, body.sessionKey) ?? ANY_SESSION;
    return c.json(
      await contextView(c.get("services"), c.req.valid("param").agent!, sessionKey, body.context),
      200,
    );
  },
);

/** Mounted at `/api/agent-context`: read and replace an agent's context in our conventions. */
export const apiAgentContextRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{agent_id}",
      operationId: "getAgentContext",
      tags: TAGS,
      summary: "The context an agent's delegated runs get in a conversation (session_key; `*` for any)",
      request: {
        params: agentParam("agent_id"),
        query: z.object({ session_key: z.string().min(1).max(512).optional() }),
      },
      responses: { 200: jsonContent(AgentContextSchema, "The context in force"), ...errorResponses(400) },
    }),
    async (c) => {
      const sessionKey = c.req.valid("query").session_key ?? ANY_SESSION;
      return c.json(await contextView(c.get("services"), c.req.valid("param").agent_id!, sessionKey), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "put",
      path: "/{agent_id}",
      operationId: "putAgentContext",
      tags: TAGS,
      summary: "Replace (or with an empty string clear) an agent's context for a conversation",
      request: {
        params: agentParam("agent_id"),
        body: jsonBody(
          z.object({
            session_key: z.string().min(1).max(512).optional(),
            context: AgentContextRequestSchema.shape.context.unwrap(),
          }),
        ),
      },
      responses: { 200: jsonContent(AgentContextSchema, "The context in force"), ...errorResponses(400) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      return c.json(
        await contextView(
          c.get("services"),
          c.req.valid("param").agent_id!,
          body.session_key ?? ANY_SESSION,
          body.context,
        ),
        200,
      );
    },
  );
