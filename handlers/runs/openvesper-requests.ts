import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { idSchema } from "../../storage/schema-helpers.js";
import { ensureSessionKey } from "../../storage/session-keys.js";
import { assertRunAllowed } from "../access/run-access.js";
import type { RunRequest } from "../capabilities/runs.js";
import type { AppEnv, Services } from "../context.js";
import { prepareChatRun, requireSessions } from "./run-requests.js";

/*
 * The body OpenVesper's clients send to /agent, /agent/async and /agent/stream (its CLI:
 * `{sessionKey, message, channel:"cli"}`), with our snake_case spellings beside: a run of `agent` (else
 * the session's agent, else the default one) in the session `sessionKey` names (storage/session-keys.ts).
 */
export const OpenVesperRunRequestSchema = z
  .object({
    message: z.string().min(1, "must not be empty").max(1_000_000),
    sessionKey: z
      .string()
      .min(1, "must not be empty")
      .max(512)
      .optional()
      .openapi({ description: "Names the conversation; a new key starts a session (created on first use)" }),
    session_key: z.string().min(1, "must not be empty").max(512).optional(),
    session_id: idSchema.optional().openapi({ description: "Our session id (instead of a key)" }),
    agent: idSchema.optional().openapi({
      description: "Agent id; `auto` (the original's default) or absent: the session's or the default agent",
    }),
    agent_id: idSchema.optional(),
    channel: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: "cli, rest, telegram, … (recorded)" }),
    workdir: z.string().optional().openapi({ description: "Absolute, existing directory the agent may use" }),
  })
  .openapi("OpenVesperRunRequest");

export type OpenVesperRunBody = z.infer<typeof OpenVesperRunRequestSchema>;

/** The run a body asks for; `channel` defaults to what the route is (`rest`, `sse`, `ws`). */
export async function prepareOpenVesperRun(
  services: Services,
  c: Context<AppEnv>,
  body: OpenVesperRunBody,
  defaultChannel: string,
): Promise<RunRequest> {
  const request = await prepareKeyedRun(
    services,
    c.get("gatewayConfig").workdirRoots,
    body,
    defaultChannel,
    "agent",
  );
  await assertRunAllowed(c, request.agent.id);
  return request;
}

/** Shared by the HTTP routes and the /ws `message` frame. */
export async function prepareKeyedRun(
  services: Services,
  workdirRoots: string[] | undefined,
  body: OpenVesperRunBody,
  defaultChannel: string,
  source: string,
): Promise<RunRequest> {
  const sessionKey = body.sessionKey ?? body.session_key;
  const { sessions } = requireSessions(services);
  const sessionId =
    body.session_id ??
    (sessionKey === undefined
      ? undefined
      : await ensureSessionKey({ scope: services.scopes.global(), sessions }, sessionKey));
  const agent = body.agent === "auto" ? undefined : body.agent;
  const request = await prepareChatRun(
    services,
    { message: body.message, agent_id: agent ?? body.agent_id, session_id: sessionId, workdir: body.workdir },
    workdirRoots,
    source,
  );
  return { ...request, channel: body.channel ?? defaultChannel, ...(sessionKey ? { sessionKey } : {}) };
}
