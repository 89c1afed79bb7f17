import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { notFound } from "../../storage/errors.js";
import { PAIRING_POLICIES, type PairingEntry, readPairingSettings } from "../../storage/pairing.js";
import type { AppEnv } from "../context.js";
import { validationError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { accessStores, operationId, platformId, type Spelling } from "./access-requests.js";

const name = z.string().min(1).max(256);

const SenderSchema = z
  .object({
    channel: name.openapi({ description: "Channel (OpenVesper's telegram bot: `telegram`)" }),
    identity: platformId("The sender's platform user id"),
    sender_id: platformId("Alias of identity"),
  })
  .loose();

const GateSchema = SenderSchema.extend({
  policy: z
    .enum(PAIRING_POLICIES)
    .optional()
    .openapi({ description: "pairing, open or closed; gateway.yaml `pairing:` decides when absent" }),
  displayName: z.string().max(256).optional(),
  display_name: z.string().max(256).optional(),
}).openapi("PairingGateRequest");

const ApproveSchema = SenderSchema.extend({
  code: z
    .union([z.string().min(1).max(32), z.number().int()])
    .optional()
    .openapi({ description: "The sender's one-time code (instead of identity)" }),
}).openapi("PairingApproveRequest");

const EntrySchema = z
  .object({
    key: z.string().openapi({ description: "`channel:identity`" }),
    channel: z.string(),
    identity: z.string(),
    state: z.enum(["pending", "approved", "denied"]),
    code: z.string().optional().openapi({ description: "The one-time code while pending" }),
    displayName: z.string().optional(),
    createdAt: z.number().openapi({ description: "Unix milliseconds" }),
    updatedAt: z.number(),
    expiresAt: z.number().optional().openapi({ description: "When the code expires (Unix milliseconds)" }),
    expires_at: z.string().optional().openapi({ description: "The same, ISO 8601" }),
  })
  .openapi("PairingEntry");

const GateDecisionSchema = z
  .object({
    action: z.enum(["process", "reply-with-code", "drop", "reject"]),
    code: z.string().optional(),
    firstTime: z.boolean().optional(),
    expiresAt: z.number().optional(),
    policy: z.enum(PAIRING_POLICIES),
  })
  .openapi("PairingGateDecision");

const ListQuerySchema = z.object({
  channel: z.string().optional().openapi({ description: "Only this channel's senders" }),
});

function entryView(entry: PairingEntry) {
  return {
    key: `${entry.channel}:${entry.identity}`,
    channel: entry.channel,
    identity: entry.identity,
    state: entry.state,
    ...(entry.code ? { code: entry.code } : {}),
    ...(entry.display_name ? { displayName: entry.display_name } : {}),
    createdAt: entry.created_at,
    updatedAt: entry.updated_at,
    ...(entry.expires_at
      ? { expiresAt: entry.expires_at, expires_at: new Date(entry.expires_at).toISOString() }
      : {}),
  };
}

function identityOf(body: { identity?: string; sender_id?: string }): string {
  const identity = body.identity ?? body.sender_id;
  if (identity !== undefined) return identity;
  throw validationError(
    new z.ZodError([{ code: "custom", path: ["identity"], message: "is required", input: undefined }]),
    "json",
  );
}

const listRoute = (
  spelling: Spelling,
  state: "pending" | "approved" | undefined,
  id: string,
  summary: string,
) =>
  defineRoute("operator", {
    method: "get",
    path: state ? `/${state}` : "/all",
    operationId: operationId(spelling, id),
    tags: ["Channel access"],
    summary,
    request: { query: ListQuerySchema },
    responses: {
      200: jsonContent(
        spelling === "api" ? z.object({ entries: z.array(EntrySchema) }) : z.array(EntrySchema),
        "Senders, most recently changed first",
      ),
      ...errorResponses(422),
    },
  });

const postRoute = <S extends z.ZodType>(
  spelling: Spelling,
  path: string,
  id: string,
  summary: string,
  body: S,
) => ({
  method: "post" as const,
  path,
  operationId: operationId(spelling, id),
  tags: ["Channel access"],
  summary,
  request: { body: jsonBody(body) },
});

/**
 * OpenVesper's DM pairing gate (`/pairing`, and `/api/pairing`): an unknown sender on a gated channel gets a
 * one-time code to send to the operator; until an operator approves it, its messages reach no agent.
 */
export function createPairingRouter(spelling: Spelling) {
  const list = async (c: Context<AppEnv>, state?: "pending" | "approved") => {
    const channel = c.req.query("channel");
    const entries = (await accessStores(c.get("services")).pairing.list({ state, channel })).map(entryView);
    return c.json(spelling === "api" ? { entries } : entries, 200);
  };
  return createRouter()
    .openapi(
      defineRoute("operator", {
        ...postRoute(
          spelling,
          "/gate",
          "pairingGate",
          "Decide what a channel does with a sender's message",
          GateSchema,
        ),
        responses: {
          200: jsonContent(GateDecisionSchema, "process, reply-with-code, drop or reject"),
          ...errorResponses(422),
        },
      }),
      async (c) => {
        const body = c.req.valid("json");
        const identity = identityOf(body);
        const services = c.get("services");
        const settings = await readPairingSettings(services.scopes.global().store);
        const policy = body.policy ?? settings.policyFor(body.channel);
        const decision = await accessStores(services).pairing.gate(
          body.channel,
          identity,
          policy,
          settings.codeTtlMs,
          body.displayName ?? body.display_name,
        );
        return c.json({ ...decision, policy }, 200);
      },
    )
    .openapi(
      listRoute(spelling, "pending", "listPendingPairings", "Senders waiting for approval, with their codes"),
      (c) => list(c, "pending"),
    )
    .openapi(listRoute(spelling, "approved", "listApprovedPairings", "Approved senders"), (c) =>
      list(c, "approved"),
    )
    .openapi(listRoute(spelling, undefined, "listPairings", "Every known sender, in any state"), (c) =>
      list(c),
    )
    .openapi(
      defineRoute("operator", {
        ...postRoute(
          spelling,
          "/approve",
          "approvePairing",
          "Approve a sender by identity or by its one-time code",
          ApproveSchema,
        ),
        responses: { 200: jsonContent(EntrySchema, "Approved"), ...errorResponses(404, 422) },
      }),
      async (c) => {
        const body = c.req.valid("json");
        const { pairing } = accessStores(c.get("services"));
        if (body.code !== undefined && body.identity === undefined && body.sender_id === undefined) {
          const entry = await pairing.approveByCode(body.channel, String(body.code));
          if (!entry) throw codeNotFound(body.channel);
          return c.json(entryView(entry), 200);
        }
        return c.json(entryView(await pairing.settle(body.channel, identityOf(body), "approved")), 200);
      },
    )
    .openapi(
      defineRoute("operator", {
        ...postRoute(
          spelling,
          "/approve-code",
          "approvePairingCode",
          "Approve the sender holding a one-time code (OpenVesper's CLI)",
          SenderSchema.pick({ channel: true }).extend({
            code: z.union([z.string().min(1).max(32), z.number().int()]),
          }),
        ),
        responses: { 200: jsonContent(EntrySchema, "Approved"), ...errorResponses(404, 422) },
      }),
      async (c) => {
        const body = c.req.valid("json");
        const entry = await accessStores(c.get("services")).pairing.approveByCode(
          body.channel,
          String(body.code),
        );
        if (!entry) throw codeNotFound(body.channel);
        return c.json(entryView(entry), 200);
      },
    )
    .openapi(
      defineRoute("operator", {
        ...postRoute(
          spelling,
          "/deny",
          "denyPairing",
          "Deny a sender: its messages are dropped",
          SenderSchema,
        ),
        responses: { 200: jsonContent(EntrySchema, "Denied"), ...errorResponses(422) },
      }),
      async (c) => {
        const body = c.req.valid("json");
        const entry = await accessStores(c.get("services")).pairing.settle(
          body.channel,
          identityOf(body),
          "denied",
        );
        return c.json(entryView(entry), 200);
      },
    )
    .openapi(
      defineRoute("operator", {
        ...postRoute(
          spelling,
          "/revoke",
          "revokePairing",
          "Forget a sender: it pairs again from scratch",
          SenderSchema,
        ),
        responses: {
          200: jsonContent(z.object({ removed: z.boolean() }), "Revoked"),
          ...errorResponses(422),
        },
      }),
      async (c) => {
        const body = c.req.valid("json");
        const removed = await accessStores(c.get("services")).pairing.revoke(body.channel, identityOf(body));
        return c.json({ removed }, 200);
      },
    );
}

function codeNotFound(channel: string) {
  return notFound(
    "PAIRING_CODE_NOT_FOUND",
    `no pending pairing on '${channel}' has that code (wrong or expired)`,
    {
      channel,
    },
  );
}
