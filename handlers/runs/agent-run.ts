import { z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { idSchema } from "../../storage/schema-helpers.js";
import { assertRunAllowed } from "../access/run-access.js";
import type { QuestionAnswer } from "../capabilities/runs.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { agentRunFrames, answerFromAnswers, SSE_FRAME_TYPES } from "./agent-run-frames.js";
import { AgentRunRequestSchema, prepareAgentRun } from "./agent-run-requests.js";
import { findInteractiveRun, RunEventQueue, requireInteractiveRuns } from "./interactive-runs.js";

const STREAM_DESCRIPTION = [
  "Server-Sent Events, one JSON frame per `data:` line (the Viben desktop's agent-run stream):",
  "`session {session_id, run_id}` first (a gateway session: listed by /api/sessions, resumable with",
  "`session_id`), `sdk_session {sdk_session_id}`, `text {content}`, `tool_use {id, name, input}`,",
  "`tool_result {tool_use_id, output, is_error}`, `question {id, kind, tool_name, input, questions}` (answer",
  "it with POST /api/agent/run/answer), `plan {plan_id, plan}`, `result {subtype, cost, duration}` per turn,",
  "`error {message, code}` and last `done {session_id, status, tokens, cost_cents}`. camelCase copies of the",
  "ids (`sessionId`, `toolUseId`, `isError`) ride along. Bad input is refused with a JSON error before the stream.",
].join(" ");

const SessionRef = {
  session_id: idSchema.openapi({ description: "The run's session (from its `session` frame)" }),
};

const AnswerSchema = z
  .object({
    ...SessionRef,
    question_id: z.string().min(1).max(200).openapi({ description: "The question's (or plan's) `id`" }),
    approved: z
      .boolean()
      .optional()
      .openapi({ description: "Approve (true) or reject (false) a permission or plan" }),
    answers: z
      .record(z.string(), z.string().max(100_000))
      .optional()
      .openapi({ description: 'Viben answers by question index (`{"0": "Approve"}`)' }),
    message: z
      .string()
      .max(100_000)
      .optional()
      .openapi({ description: "Why, when rejecting (told to the agent)" }),
  })
  .strict()
  .refine((body) => body.approved !== undefined || body.answers !== undefined, {
    message: "give approved or answers",
    path: ["approved"],
  })
  .openapi("AgentRunAnswer");

const Ok = jsonContent(z.object({ success: z.boolean(), session_id: z.string() }), "Done");

/** POST /api/agent/run and its side channel: an interactive run streamed to the caller over SSE. */
export const agentRunRouter = createRouter()
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/run",
      operationId: "runAgentStream",
      tags: ["Runs"],
      summary: "Run an agent and stream its work as Viben agent-run frames (Server-Sent Events)",
      request: { body: jsonBody(AgentRunRequestSchema) },
      responses: {
        200: { description: STREAM_DESCRIPTION, content: { "text/event-stream": { schema: z.string() } } },
        ...errorResponses(400, 402, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const runs = requireInteractiveRuns(services);
      const request = await prepareAgentRun(
        services,
        c.req.valid("json"),
        c.get("gatewayConfig").workdirRoots,
        "agent_run",
      );
      await assertRunAllowed(c, request.agent.id);
      const queue = new RunEventQueue();
      // Started before the stream: a refusal (busy session, missing executor) is an ordinary JSON error.
      await runs.startInteractive({ ...request, onEvent: queue.push });
      c.header("X-Accel-Buffering", "no");
      return streamSSE(c, async (stream) => {
        // The run goes on when the client leaves: it is a normal run, stoppable with /api/agent/run/cancel.
        stream.onAbort(() => queue.close());
        for (let event = await queue.next(); event; event = await queue.next()) {
          for (const frame of agentRunFrames(event)) {
            if (SSE_FRAME_TYPES.has(frame.type)) await stream.writeSSE({ data: JSON.stringify(frame) });
          }
        }
      });
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/run/answer",
      operationId: "answerAgentRunQuestion",
      tags: ["Runs"],
      summary: "Answer a running agent's question: approve or reject a tool use or plan, or give answers",
      request: { body: jsonBody(AnswerSchema) },
      responses: { 200: Ok, ...errorResponses(400, 404, 409, 501) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const run = findInteractiveRun(c.get("services"), body.session_id);
      const question = run.pendingQuestions.find((q) => q.id === body.question_id);
      let answer: QuestionAnswer;
      if (body.approved === true) answer = { behavior: "allow" };
      else if (body.approved === false) answer = { behavior: "deny", message: body.message };
      else answer = question ? answerFromAnswers(question, body.answers ?? {}) : { behavior: "allow" };
      run.answer(body.question_id, answer);
      return c.json({ success: true, session_id: body.session_id }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/run/steer",
      operationId: "steerAgentRun",
      tags: ["Runs"],
      summary: "Add a message to a running agent's conversation (taken as its next turn)",
      request: {
        body: jsonBody(
          z
            .object({ ...SessionRef, message: z.string().trim().min(1, "must not be empty").max(1_000_000) })
            .strict()
            .openapi("AgentRunSteer"),
        ),
      },
      responses: { 200: Ok, ...errorResponses(400, 404, 409, 501) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      findInteractiveRun(c.get("services"), body.session_id).steer(body.message);
      return c.json({ success: true, session_id: body.session_id }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/run/cancel",
      operationId: "cancelAgentRun",
      tags: ["Runs"],
      summary: "Interrupt a running agent and end its run (politely first, then its processes are stopped)",
      request: { body: jsonBody(z.object(SessionRef).strict().openapi("AgentRunCancel")) },
      responses: { 200: Ok, ...errorResponses(400, 404, 501) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      await findInteractiveRun(c.get("services"), body.session_id).interrupt();
      return c.json({ success: true, session_id: body.session_id }, 200);
    },
  );
