import { z } from "@hono/zod-openapi";
import { idSchema } from "../../storage/schema-helpers.js";
import type { SessionMessage, SessionRecord } from "../../storage/sessions.js";
import type { Services } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { requireSessions } from "../runs/run-requests.js";
import {
  compactConversation,
  DEFAULT_KEEP_RECENT,
  forkSession,
  type QueueReport,
  queueReport,
  resetConversation,
  seqAtIndex,
  sessionByKey,
  sessionKeys,
  setQueueMode,
  switchAgent,
  tokenReport,
} from "./session-operations.js";

/*
 * OpenVesper's session routes at their literal paths (apps/gateway/src/index.ts), camelCase as it answers,
 * over our sessions: `:key` is a session id or a sessionKey (storage/session-keys.ts). The CLI monitor
 * (apps/cli/src/commands/monitor.ts) reads GET /sessions as an array.
 */

// In a path a key follows the id rules (no `/`, `\`, `:`, `..`, control characters): a key that breaks
// them (e.g. `cli:direct`, fine in a body) is reached here by its session id, which GET /sessions lists.
const KeyParams = z.object({
  key: idSchema.openapi({
    param: { name: "key", in: "path" },
    description: "A sessionKey or a session id (a key with / \\ or : is reached by its session id)",
  }),
});

/** How many messages GET /sessions/:key shows (the original keeps at most 200 a session). */
const SHOWN_MESSAGES = 200;

const SessionSummarySchema = z
  .object({
    id: z.string(),
    sessionKey: z.string(),
    agent: z.string(),
    messageCount: z.number(),
    updatedAt: z.number().openapi({ description: "Epoch milliseconds" }),
    createdAt: z.number(),
    status: z.enum(["idle", "running"]),
    title: z.string(),
  })
  .openapi("OpenVesperSessionSummary");

const OpenVesperSessionSchema = z
  .object({
    id: z.string(),
    sessionKey: z.string(),
    agent: z.string(),
    messages: z.array(
      z.object({ role: z.string(), content: z.string(), timestamp: z.number(), seq: z.number() }).loose(),
    ),
    createdAt: z.number(),
    updatedAt: z.number(),
    metadata: z.record(z.string(), z.unknown()),
  })
  .loose()
  .openapi("OpenVesperSession");

const OkSchema = z.object({ ok: z.boolean() }).loose().openapi("OpenVesperOk");

const QueueSchema = z
  .object({
    mode: z.enum(["reject", "queue", "steer", "interrupt"]),
    pending: z.array(z.object({ message: z.string(), source: z.string(), enqueuedAt: z.string() })),
    running: z.boolean(),
    runId: z.string().nullable(),
    sessionKey: z.string(),
  })
  .openapi("OpenVesperSessionQueue");

const epoch = (iso: string) => Date.parse(iso) || 0;

function summaryOf(services: Services, session: SessionRecord, key: string) {
  return {
    id: session.id,
    sessionKey: key,
    agent: session.agent_id,
    messageCount: session.message_count,
    updatedAt: epoch(session.last_activity),
    createdAt: epoch(session.created_at),
    status: services.runs?.isRunning(session.id) ? ("running" as const) : ("idle" as const),
    title: session.title,
  };
}

async function fullSession(services: Services, session: SessionRecord, key: string) {
  const { sessions } = requireSessions(services);
  const page = await sessions.listMessages(session.id, { limit: SHOWN_MESSAGES });
  const { id, agent_id, created_at, last_activity, message_count: _count, ...metadata } = session;
  return {
    id,
    sessionKey: key,
    agent: agent_id,
    messages: page.messages.map((m: SessionMessage) => ({ ...m, timestamp: epoch(m.timestamp) })),
    createdAt: epoch(created_at),
    updatedAt: epoch(last_activity),
    metadata,
  };
}

const queueView = (report: QueueReport, key: string) => ({
  mode: report.mode,
  pending: report.pending,
  running: report.running,
  runId: report.runId,
  sessionKey: key,
});

export const openVesperSessionsRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listOpenVesperSessions",
      tags: ["Sessions"],
      summary: "Sessions as an array, most recent first (OpenVesper)",
      responses: { 200: jsonContent(z.array(SessionSummarySchema), "Sessions"), ...errorResponses(501) },
    }),
    async (c) => {
      const services = c.get("services");
      const { sessions } = requireSessions(services);
      const keyOf = await sessionKeys(services);
      const list = await sessions.list();
      return c.json(
        list.map((s) => summaryOf(services, s, keyOf(s))),
        200,
      );
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{key}",
      operationId: "getOpenVesperSession",
      tags: ["Sessions"],
      summary: "A session with its newest 200 messages (OpenVesper)",
      request: { params: KeyParams },
      responses: { 200: jsonContent(OpenVesperSessionSchema, "The session"), ...errorResponses(404, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const { key } = c.req.valid("param");
      const session = await sessionByKey(services, key);
      return c.json(await fullSession(services, session, key), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{key}/reset",
      operationId: "resetOpenVesperSession",
      tags: ["Sessions"],
      summary: "Clear the conversation and keep the key; the old transcript stays as an archived session",
      request: { params: KeyParams },
      responses: {
        200: jsonContent(OkSchema, "Cleared; `archivedSessionId` holds the old transcript"),
        ...errorResponses(404, 409, 501),
      },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const { archive } = await resetConversation(c.get("services"), key);
      return c.json({ ok: true, archivedSessionId: archive.id }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{key}/agent",
      operationId: "switchOpenVesperSessionAgent",
      tags: ["Sessions"],
      summary: "Switch the agent that answers in this session",
      request: {
        params: KeyParams,
        body: jsonBody(
          z.object({ agent: z.string().min(1, "must not be empty") }).openapi("OpenVesperAgentSwitch"),
        ),
      },
      responses: { 200: jsonContent(OkSchema, "Switched"), ...errorResponses(404, 409, 501) },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const session = await switchAgent(c.get("services"), key, c.req.valid("json").agent);
      return c.json({ ok: true, agent: session.agent_id }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{key}/compact",
      operationId: "compactOpenVesperSession",
      tags: ["Sessions"],
      summary: "Summarise older messages with the session's agent and replace them by the summary",
      request: {
        params: KeyParams,
        body: {
          required: false,
          content: {
            "application/json": {
              schema: z
                .object({
                  keepRecent: z.number().int().min(0).max(10_000).optional(),
                  instructions: z.string().max(10_000).optional(),
                })
                .openapi("OpenVesperCompactRequest"),
            },
          },
        },
      },
      responses: {
        200: jsonContent(
          z
            .object({
              ok: z.boolean(),
              compacted: z.boolean(),
              summary: z.string().optional(),
              summarizedMessages: z.number(),
              keptMessages: z.number(),
              archivedSessionId: z.string().optional(),
            })
            .openapi("OpenVesperCompactResult"),
          "The compaction (compacted false: nothing older than keepRecent)",
        ),
        ...errorResponses(404, 409, 501, 502),
      },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const body = c.req.valid("json") ?? {};
      const result = await compactConversation(c.get("services"), key, {
        keepRecent: body.keepRecent ?? DEFAULT_KEEP_RECENT,
        instructions: body.instructions,
      });
      return c.json(
        {
          ok: true,
          compacted: result.compacted,
          ...(result.summary === undefined ? {} : { summary: result.summary }),
          summarizedMessages: result.summarized,
          keptMessages: result.kept,
          ...(result.archiveId === undefined ? {} : { archivedSessionId: result.archiveId }),
        },
        200,
      );
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{key}/tokens",
      operationId: "getOpenVesperSessionTokens",
      tags: ["Sessions"],
      summary: "Token usage and how full the context window is",
      request: { params: KeyParams },
      responses: {
        200: jsonContent(
          z
            .object({
              sessionKey: z.string(),
              messageCount: z.number(),
              estimatedTokens: z.number(),
              shouldAutoCompact: z.boolean(),
              usage: z.object({ input: z.number(), output: z.number() }),
              contextTokens: z.number().nullable(),
              contextWindow: z.number().nullable(),
              contextFill: z.number().nullable(),
              model: z.string().nullable(),
            })
            .openapi("OpenVesperSessionTokens"),
          "Usage",
        ),
        ...errorResponses(404, 501),
      },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const { session: _session, ...report } = await tokenReport(c.get("services"), key);
      return c.json({ sessionKey: key, ...report }, 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{key}/queue",
      operationId: "getOpenVesperSessionQueue",
      tags: ["Sessions"],
      summary: "What a message to this busy session does, and the messages waiting",
      request: { params: KeyParams },
      responses: { 200: jsonContent(QueueSchema, "The queue"), ...errorResponses(404, 501) },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      return c.json(queueView(await queueReport(c.get("services"), key), key), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{key}/queue/mode",
      operationId: "setOpenVesperSessionQueueMode",
      tags: ["Sessions"],
      summary: "Set what a message to this busy session does: queue, steer, interrupt or reject",
      request: {
        params: KeyParams,
        body: jsonBody(
          z
            .object({
              mode: z.string().openapi({
                description:
                  "reject (409, the default), queue, steer, interrupt; followup and collect mean queue",
              }),
            })
            .openapi("OpenVesperQueueModeRequest"),
        ),
      },
      responses: { 200: jsonContent(QueueSchema, "The queue"), ...errorResponses(404, 501) },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const report = await setQueueMode(c.get("services"), key, c.req.valid("json").mode);
      return c.json(queueView(report, key), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{key}/fork",
      operationId: "forkOpenVesperSession",
      tags: ["Sessions"],
      summary: "A new session with a copy of the conversation (Claude Code forks its own session too)",
      request: {
        params: KeyParams,
        body: jsonBody(
          z.object({ newSessionKey: z.string().min(1).max(512) }).openapi("OpenVesperForkRequest"),
        ),
      },
      responses: {
        200: jsonContent(OpenVesperSessionSchema, "The new session"),
        ...errorResponses(404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { key } = c.req.valid("param");
      const { newSessionKey } = c.req.valid("json");
      const copy = await forkSession(services, key, { newKey: newSessionKey });
      return c.json(await fullSession(services, copy, newSessionKey), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{key}/branch",
      operationId: "branchOpenVesperSession",
      tags: ["Sessions"],
      summary: "A new session with the conversation up to and including a message (0-based messageIndex)",
      request: {
        params: KeyParams,
        body: jsonBody(
          z
            .object({
              newSessionKey: z.string().min(1).max(512),
              messageIndex: z.coerce.number().int().min(0),
            })
            .openapi("OpenVesperBranchRequest"),
        ),
      },
      responses: {
        200: jsonContent(OpenVesperSessionSchema, "The new session"),
        ...errorResponses(404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { key } = c.req.valid("param");
      const { newSessionKey, messageIndex } = c.req.valid("json");
      const source = await sessionByKey(services, key);
      const upToSeq = await seqAtIndex(services, source, messageIndex);
      const copy = await forkSession(services, source.id, { newKey: newSessionKey, upToSeq });
      return c.json(await fullSession(services, copy, newSessionKey), 200);
    },
  );
