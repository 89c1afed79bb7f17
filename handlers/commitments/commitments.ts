import { z } from "@hono/zod-openapi";
import { idSchema } from "../../storage/schema-helpers.js";
import {
  COMMITMENT_KINDS,
  COMMITMENT_STATUSES,
  CommitmentCountsSchema,
  CommitmentSchema,
} from "../capabilities/commitments.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";

const TAGS = ["Commitments"];
/** The latest time a JavaScript Date holds (epoch ms). */
const MAX_TIME_MS = 8_640_000_000_000_000;
const sessionKey = z.string().min(1, "must not be empty").max(500);
const dueAt = z.number().int().nonnegative().max(MAX_TIME_MS).openapi({ description: "Epoch ms" });

/** OpenVesper's body ({kind, sessionKey, agent, promise, dueAt, originalContext}) or our snake_case spelling. */
const NewCommitmentSchema = z
  .object({
    kind: z.enum(COMMITMENT_KINDS).optional().openapi({ description: "Default explicit" }),
    sessionKey: sessionKey.optional(),
    session_key: sessionKey.optional(),
    agent: idSchema.optional().openapi({ description: "The agent that promised (and is woken)" }),
    agent_id: idSchema.optional(),
    promise: z.string().trim().min(1, "must not be empty").max(20_000),
    dueAt: dueAt.optional(),
    due_at: dueAt.optional(),
    originalContext: z.string().max(20_000).optional(),
    original_context: z.string().max(20_000).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.sessionKey === undefined && body.session_key === undefined)
      ctx.addIssue({ code: "custom", path: ["sessionKey"], message: "is required" });
    if (body.agent === undefined && body.agent_id === undefined)
      ctx.addIssue({ code: "custom", path: ["agent"], message: "is required" });
  })
  .openapi("NewCommitment");

const ListQuery = z.object({
  sessionKey: z.string().min(1).optional(),
  session_key: z.string().min(1).optional(),
  agent: z.string().min(1).optional(),
  status: z.enum(COMMITMENT_STATUSES).optional(),
});
const IdParams = z.object({
  id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "c_1767225600000_3f9a1c2e" }),
});

const notFound = (id: string) =>
  new ApiError(404, "COMMITMENT_NOT_FOUND", `commitment '${id}' not found`, { id });

/**
 * Commitments: promises an agent made, with a due time; an open one whose time passes wakes its agent
 * through the run queue. `root` is OpenVesper's /commitments (bare arrays, `{fulfilled}`, `{cancelled}`),
 * `api` our /api/commitments (a wrapped list, 201 on create, the commitment back).
 */
export function createCommitmentsRouter(spelling: "root" | "api") {
  const api = spelling === "api";
  const op = (root: string, ours: string) => (api ? ours : root);
  const created = jsonContent(CommitmentSchema, "The commitment, open");
  const ending = (verb: "fulfill" | "cancel", done: "fulfilled" | "cancelled") =>
    defineRoute("operator", {
      method: "post",
      path: `/{id}/${verb}`,
      operationId: op(`${verb}OpenVesperCommitment`, `${verb}Commitment`),
      tags: TAGS,
      summary:
        verb === "fulfill" ? "Mark a commitment kept" : "Cancel a commitment (it will not wake its agent)",
      request: { params: IdParams },
      responses: {
        200: jsonContent(
          api ? CommitmentSchema : z.object({ [done]: z.boolean() }),
          api ? "The commitment" : `It was ${done}`,
        ),
        ...errorResponses(400, 404, 409, 501),
      },
    });
  const end =
    (verb: "fulfill" | "cancel", done: "fulfilled" | "cancelled") =>
    // biome-ignore lint/suspicious/noExplicitAny: one handler for both routes' typed contexts.
    async (c: any) => {
      const { id } = c.req.valid("param") as { id: string };
      const service = requireCapability(c.get("services"), "commitments");
      const result = await service[verb](id);
      if (!result) throw notFound(id);
      return c.json(api ? result : { [done]: true }, 200);
    };
  return createRouter()
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/",
        operationId: op("listOpenVesperCommitments", "listCommitments"),
        tags: TAGS,
        summary: "Commitments, soonest due first",
        request: { query: ListQuery },
        responses: {
          200: jsonContent(
            api
              ? z.object({ commitments: z.array(CommitmentSchema), total: z.number() })
              : z.array(CommitmentSchema),
            "Commitments",
          ),
          ...errorResponses(400, 501),
        },
      }),
      (c) => {
        const { sessionKey: key1, session_key, agent, status } = c.req.valid("query");
        const key = key1 ?? session_key;
        const list = requireCapability(c.get("services"), "commitments").list({
          ...(key ? { sessionKey: key } : {}),
          ...(agent ? { agent } : {}),
          ...(status ? { status } : {}),
        });
        return c.json(api ? { commitments: list, total: list.length } : list, 200);
      },
    )
    .openapi(
      defineRoute("operator", {
        method: "post",
        path: "/",
        operationId: op("createOpenVesperCommitment", "createCommitment"),
        tags: TAGS,
        summary: "Record a commitment; with dueAt, its agent is woken through the queue once it is due",
        request: { body: jsonBody(NewCommitmentSchema) },
        // Ours answers 201 Created, OpenVesper's 200; typed as one so the handler's answer checks.
        responses: {
          ...((api ? { 201: created } : { 200: created }) as { 200: typeof created }),
          ...errorResponses(400, 501),
        },
      }),
      async (c) => {
        const body = c.req.valid("json");
        const due = body.dueAt ?? body.due_at;
        const context = body.originalContext ?? body.original_context;
        const commitment = await requireCapability(c.get("services"), "commitments").create({
          kind: body.kind ?? "explicit",
          sessionKey: (body.sessionKey ?? body.session_key)!,
          agent: (body.agent ?? body.agent_id)!,
          promise: body.promise,
          ...(due === undefined ? {} : { dueAt: due }),
          ...(context === undefined ? {} : { originalContext: context }),
        });
        return c.json(commitment, (api ? 201 : 200) as 200);
      },
    )
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/status",
        operationId: op("getOpenVesperCommitmentCounts", "getCommitmentCounts"),
        tags: TAGS,
        summary: "How many commitments there are, open and fulfilled",
        responses: { 200: jsonContent(CommitmentCountsSchema, "Counts"), ...errorResponses(501) },
      }),
      (c) => c.json(requireCapability(c.get("services"), "commitments").counts(), 200),
    )
    .openapi(ending("fulfill", "fulfilled"), end("fulfill", "fulfilled"))
    .openapi(ending("cancel", "cancelled"), end("cancel", "cancelled"));
}
