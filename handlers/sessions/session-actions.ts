import { z } from "@hono/zod-openapi";
import { idSchema } from "../../storage/schema-helpers.js";
import { QUEUE_MODES } from "../../storage/session-queue-mode.js";
import { badRequest } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import {
  compactConversation,
  DEFAULT_KEEP_RECENT,
  forkSession,
  type QueueReport,
  queueReport,
  resetConversation,
  seqAtIndex,
  sessionByKey,
  setQueueMode,
  switchAgent,
  tokenReport,
} from "./session-operations.js";
import { SessionSchema, sessionView } from "./session-views.js";

/*
 * Our spelling of the session operations (/api/sessions/{id}/fork, …), snake_case; the same operations as
 * OpenVesper's /sessions/:key routes (handlers/sessions/openvesper-sessions.ts).
 */

const SessionParams = z.object({
  id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "a1b2c3d4" }),
});

const QueueSchema = z
  .object({
    session_id: z.string(),
    mode: z.enum(QUEUE_MODES),
    running: z.boolean(),
    run_id: z.string().nullable(),
    pending: z.array(z.object({ message: z.string(), source: z.string(), enqueued_at: z.string() })),
  })
  .openapi("SessionQueue");

const queueView = (report: QueueReport) => ({
  session_id: report.session.id,
  mode: report.mode,
  running: report.running,
  run_id: report.runId,
  pending: report.pending.map((p) => ({ message: p.message, source: p.source, enqueued_at: p.enqueuedAt })),
});

const ForkSchema = z
  .object({
    session_key: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .openapi({ description: "A sessionKey that names the new session (OpenVesper's newSessionKey)" }),
  })
  .openapi("SessionForkRequest");

const BranchSchema = ForkSchema.extend({
  message_seq: z
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ description: "The last message kept (its seq)" }),
  message_index: z.number().int().min(0).optional().openapi({ description: "Or its 0-based position" }),
}).openapi("SessionBranchRequest");

const optionalBody = <T extends z.ZodType>(schema: T) => ({
  required: false,
  content: { "application/json": { schema } },
});

export const sessionActionsRouter = createRouter()
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/fork",
      operationId: "forkSession",
      tags: ["Sessions"],
      summary: "A new session with a copy of the conversation (Claude Code forks its own session too)",
      request: { params: SessionParams, body: optionalBody(ForkSchema) },
      responses: { 201: jsonContent(SessionSchema, "The new session"), ...errorResponses(404, 409, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const body = c.req.valid("json") ?? {};
      const copy = await forkSession(services, c.req.valid("param").id, { newKey: body.session_key });
      return c.json(sessionView(services, copy), 201);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/branch",
      operationId: "branchSession",
      tags: ["Sessions"],
      summary: "A new session with the conversation up to and including a given message",
      request: { params: SessionParams, body: jsonBody(BranchSchema) },
      responses: { 201: jsonContent(SessionSchema, "The new session"), ...errorResponses(404, 409, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const body = c.req.valid("json");
      if ((body.message_seq === undefined) === (body.message_index === undefined)) {
        throw badRequest("VALIDATION_ERROR", "message_seq: give either message_seq or message_index", {
          field: "message_seq",
        });
      }
      const source = await sessionByKey(services, c.req.valid("param").id);
      const upToSeq = body.message_seq ?? (await seqAtIndex(services, source, body.message_index!));
      const copy = await forkSession(services, source.id, { newKey: body.session_key, upToSeq });
      return c.json(sessionView(services, copy), 201);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/reset",
      operationId: "resetSession",
      tags: ["Sessions"],
      summary: "Clear the conversation and keep the session; the old transcript stays as an archived session",
      request: { params: SessionParams },
      responses: {
        200: jsonContent(
          z.object({ session: SessionSchema, archived_session_id: z.string() }).openapi("SessionReset"),
          "The emptied session and the archive of its transcript",
        ),
        ...errorResponses(404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { session, archive } = await resetConversation(services, c.req.valid("param").id);
      return c.json({ session: sessionView(services, session), archived_session_id: archive.id }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/agent",
      operationId: "switchSessionAgent",
      tags: ["Sessions"],
      summary: "Switch the agent that answers in this session",
      request: {
        params: SessionParams,
        body: jsonBody(z.object({ agent_id: idSchema }).openapi("SessionAgentSwitch")),
      },
      responses: { 200: jsonContent(SessionSchema, "The session"), ...errorResponses(404, 409, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const session = await switchAgent(services, c.req.valid("param").id, c.req.valid("json").agent_id);
      return c.json(sessionView(services, session), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/compact",
      operationId: "compactSession",
      tags: ["Sessions"],
      summary: "Summarise older messages with the session's agent and replace them by the summary",
      request: {
        params: SessionParams,
        body: optionalBody(
          z
            .object({
              keep_recent: z.number().int().min(0).max(10_000).optional(),
              instructions: z.string().max(10_000).optional(),
            })
            .openapi("SessionCompactRequest"),
        ),
      },
      responses: {
        200: jsonContent(
          z
            .object({
              session: SessionSchema,
              compacted: z.boolean(),
              summary: z.string().nullable(),
              summarized_messages: z.number(),
              kept_messages: z.number(),
              archived_session_id: z.string().nullable(),
              run_id: z.string().nullable(),
            })
            .openapi("SessionCompaction"),
          "The compaction (compacted false: nothing older than keep_recent)",
        ),
        ...errorResponses(404, 409, 501, 502),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const body = c.req.valid("json") ?? {};
      const result = await compactConversation(services, c.req.valid("param").id, {
        keepRecent: body.keep_recent ?? DEFAULT_KEEP_RECENT,
        instructions: body.instructions,
      });
      return c.json(
        {
          session: sessionView(services, result.session),
          compacted: result.compacted,
          summary: result.summary ?? null,
          summarized_messages: result.summarized,
          kept_messages: result.kept,
          archived_session_id: result.archiveId ?? null,
          run_id: result.runId ?? null,
        },
        200,
      );
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/tokens",
      operationId: "getSessionTokens",
      tags: ["Sessions"],
      summary: "Token usage and how full the context window is",
      request: { params: SessionParams },
      responses: {
        200: jsonContent(
          z
            .object({
              session_id: z.string(),
              message_count: z.number(),
              estimated_tokens: z.number(),
              usage: z.object({ input: z.number(), output: z.number() }),
              context_tokens: z.number().nullable(),
              context_window: z.number().nullable(),
              context_fill: z.number().nullable(),
              model: z.string().nullable(),
              should_compact: z.boolean(),
            })
            .openapi("SessionTokens"),
          "Usage",
        ),
        ...errorResponses(404, 501),
      },
    }),
    async (c) => {
      const r = await tokenReport(c.get("services"), c.req.valid("param").id);
      return c.json(
        {
          session_id: r.session.id,
          message_count: r.messageCount,
          estimated_tokens: r.estimatedTokens,
          usage: r.usage,
          context_tokens: r.contextTokens,
          context_window: r.contextWindow,
          context_fill: r.contextFill,
          model: r.model,
          should_compact: r.shouldAutoCompact,
        },
        200,
      );
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/queue",
      operationId: "getSessionQueue",
      tags: ["Sessions"],
      summary: "What a message to this busy session does, and the messages waiting",
      request: { params: SessionParams },
      responses: { 200: jsonContent(QueueSchema, "The queue"), ...errorResponses(404, 501) },
    }),
    async (c) => c.json(queueView(await queueReport(c.get("services"), c.req.valid("param").id)), 200),
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/queue/mode",
      operationId: "setSessionQueueMode",
      tags: ["Sessions"],
      summary: "Set what a message to this busy session does: queue, steer, interrupt or reject (default)",
      request: {
        params: SessionParams,
        body: jsonBody(z.object({ mode: z.enum(QUEUE_MODES) }).openapi("SessionQueueModeRequest")),
      },
      responses: { 200: jsonContent(QueueSchema, "The queue"), ...errorResponses(404, 501) },
    }),
    async (c) => {
      const report = await setQueueMode(c.get("services"), c.req.valid("param").id, c.req.valid("json").mode);
      return c.json(queueView(report), 200);
    },
  );
