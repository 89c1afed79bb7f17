import { z } from "@hono/zod-openapi";
import { idSchema } from "../../storage/schema-helpers.js";
import { assertRunAllowed } from "../access/run-access.js";
import type { RunOutcome } from "../capabilities/runs.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { prepareChatRun } from "./run-requests.js";

export const ChatSchema = z
  .object({
    message: z.string().min(1, "must not be empty").max(1_000_000),
    agent_id: idSchema.optional(),
    session_id: idSchema.optional(),
    workdir: z.string().optional(),
  })
  .strict()
  .openapi("ChatRequest");

const ChatResponseSchema = z
  .object({
    session_id: z.string(),
    run_id: z.string(),
    response: z.string(),
    tools_used: z.array(z.string()),
    tokens: z.object({ input: z.number(), output: z.number() }),
    cost_cents: z.number(),
  })
  .openapi("ChatResponse");

const FAILURE: Record<Exclude<RunOutcome["status"], "completed">, [502 | 504 | 409, string]> = {
  failed: [502, "RUN_FAILED"],
  timeout: [504, "RUN_TIMEOUT"],
  stopped: [409, "RUN_STOPPED"],
};

/** POST /api/chat: run the agent to completion and answer with its reply. */
export const chatRouter = createRouter().openapi(
  defineRoute("operator", {
    method: "post",
    path: "/",
    operationId: "sendChatMessage",
    tags: ["Runs"],
    summary: "Send a message and wait for the agent's answer (session_id continues a conversation)",
    request: { body: jsonBody(ChatSchema) },
    responses: {
      200: jsonContent(ChatResponseSchema, "The agent's answer"),
      ...errorResponses(400, 402, 404, 409, 501, 502, 504),
    },
  }),
  async (c) => {
    const services = c.get("services");
    const runs = requireCapability(services, "runs");
    const request = await prepareChatRun(
      services,
      c.req.valid("json"),
      c.get("gatewayConfig").workdirRoots,
      "chat",
    );
    await assertRunAllowed(c, request.agent.id);
    const run = await runs.start(request);
    const outcome = await run.done;
    if (outcome.status !== "completed") {
      const [status, code] = FAILURE[outcome.status];
      throw new ApiError(status, code, outcome.error ?? "the run failed", {
        session_id: outcome.sessionId,
        run_id: outcome.runId,
        exit_code: outcome.exitCode,
      });
    }
    return c.json(
      {
        session_id: outcome.sessionId,
        run_id: outcome.runId,
        response: outcome.response,
        tools_used: outcome.toolsUsed,
        tokens: outcome.tokens,
        cost_cents: outcome.costCents,
      },
      200,
    );
  },
);
