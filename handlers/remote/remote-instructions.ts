import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { isFinalQueueStatus } from "../../storage/queue-schemas.js";
import {
  newInstructionId,
  type RemoteInstruction,
  RemoteInstructionRepository,
  RemoteInstructionSchema,
} from "../../storage/remote-instructions.js";
import { ensureSessionKey } from "../../storage/session-keys.js";
import { assertRunAllowed } from "../access/run-access.js";
import type { QueueJob } from "../capabilities/queue.js";
import type { AppEnv, Services } from "../context.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, limitQuery } from "../lib/schemas.js";
import { checkedJobInput } from "../queue/queue-requests.js";
import {
  instructionPriority,
  RemoteInstructionRequestSchema,
  TunnelOptionSchema,
  tunnelOptions,
} from "./remote-instruction-requests.js";

const TAGS = ["Remote"];
export type RemoteHome = "root" | "api";
const opId = (home: RemoteHome, name: string) =>
  home === "root" ? name.replace("Remote", "OpenVesperRemote") : name;

const InstructionSchema = RemoteInstructionSchema.openapi("RemoteInstruction");
const TunnelAnswerSchema = z
  .object({ host: z.string(), options: z.array(TunnelOptionSchema) })
  .openapi("RemoteTunnelOptions");
const IdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "id", in: "path" } }),
});

const repository = (services: Services) => new RemoteInstructionRepository(services.scopes.global());

/** The latest the queue knows of an instruction's job; written back once it is final (a trimmed job is gone). */
async function withJobState(services: Services, record: RemoteInstruction): Promise<RemoteInstruction> {
  if (isFinalQueueStatus(record.status) || !services.queue) return record;
  const job = await services.queue.get(record.job_id);
  if (!job) return record;
  const next = { ...record, ...jobState(job) };
  if (isFinalQueueStatus(next.status)) await repository(services).save(next);
  return next;
}

function jobState(job: QueueJob): Partial<RemoteInstruction> {
  const attempt = job.attempt_log?.at(-1);
  const runId = job.run_id ?? attempt?.run_id;
  const sessionId = attempt?.session_id ?? job.session_id;
  return {
    status: job.status,
    ...(runId ? { run_id: runId } : {}),
    ...(sessionId ? { session_id: sessionId } : {}),
    ...(job.ended_at ? { ended_at: job.ended_at } : {}),
    ...(job.error ? { error: job.error } : {}),
  };
}

/** A session id as is, else a sessionKey through the shared index (made on first use, as POST /agent does). */
async function sessionIdFor(services: Services, session: string | undefined): Promise<string | undefined> {
  if (session === undefined) return undefined;
  const sessions = requireCapability(services, "sessions");
  if (await sessions.find(session).catch(() => null)) return session;
  return ensureSessionKey({ scope: services.scopes.global(), sessions }, session);
}

async function agentFor(services: Services, named: string | undefined, sessionId: string | undefined) {
  if (named) return named;
  const session = sessionId ? await services.sessions?.find(sessionId).catch(() => null) : null;
  if (session?.agent_id) return session.agent_id;
  const fallback = await services.settings.defaultAgent(services.scopes.global());
  if (fallback) return fallback;
  throw new ApiError(
    400,
    "VALIDATION_ERROR",
    "agent: required (no session to continue and no default agent set)",
    {
      field: "agent",
    },
  );
}

const callerName = (c: Context<AppEnv>) => c.get("keyName") ?? "local";

/**
 * /remote/instructions and /api/remote/instructions: a controller with an operator key pushes an
 * instruction to an agent, which runs through the run queue like any job; the list shows each with its
 * job, run and status. OpenVesper's original question on this path ({host, …}: how to reach the gateway
 * from elsewhere) is answered too, with tunnel commands.
 */
export const createRemoteInstructionsRouter = (home: RemoteHome) =>
  createRouter()
    .openapi(
      defineRoute("operator", {
        method: "post",
        path: "/",
        operationId: opId(home, "pushRemoteInstruction"),
        tags: TAGS,
        summary:
          "Queue an instruction {agent, prompt, session?, priority?} to an agent (or, given host, tunnel commands)",
        request: { body: jsonBody(RemoteInstructionRequestSchema) },
        responses: {
          202: jsonContent(InstructionSchema, "Queued: the instruction with its job"),
          200: jsonContent(TunnelAnswerSchema, "Tunnel commands (OpenVesper's {host} form)"),
          ...errorResponses(400, 403, 404, 409, 501),
        },
      }),
      async (c) => {
        const body = c.req.valid("json");
        const services = c.get("services");
        const prompt = body.prompt ?? body.text ?? body.message;
        if (prompt === undefined) {
          const port = Number(new URL(c.req.url).port) || 18790;
          return c.json({ host: body.host as string, options: tunnelOptions(body, port) }, 200);
        }
        const queue = requireCapability(services, "queue");
        const session = body.session ?? body.session_id ?? body.sessionId;
        const sessionId = await sessionIdFor(services, session);
        const agent = await agentFor(services, body.agent ?? body.agent_id, sessionId);
        const priority = instructionPriority(body.priority);
        const id = newInstructionId(services.clock.now().getTime(), crypto.randomUUID().slice(0, 8));
        const input = await checkedJobInput(
          services,
          {
            agent_id: agent,
            prompt,
            ...(sessionId ? { session_id: sessionId } : {}),
            ...(body.workdir ? { workdir: body.workdir } : {}),
            priority,
            source: "api",
            source_id: `remote-instruction:${id}`,
            metadata: { remote_instruction_id: id, controller: callerName(c) },
            workspace_path: services.scopes.home,
          },
          c.get("gatewayConfig").workdirRoots,
        );
        await assertRunAllowed(c, agent);
        const job = await queue.enqueue(input);
        const record: RemoteInstruction = {
          id,
          agent,
          prompt,
          ...(session ? { session } : {}),
          priority,
          ...(input.workdir ? { workdir: input.workdir } : {}),
          controller: callerName(c),
          created_at: services.clock.now().toISOString(),
          job_id: job.id,
          ...jobState(job),
          status: job.status,
        };
        const instructions = repository(services);
        await instructions.save(record);
        await instructions.prune();
        services.logger.info({
          msg: "remote instruction queued",
          id,
          agent,
          job_id: job.id,
          controller: record.controller,
        });
        return c.json(record, 202);
      },
    )
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/",
        operationId: opId(home, "listRemoteInstructions"),
        tags: TAGS,
        summary: "Recent instructions, newest first, with their job, run and status",
        request: { query: z.object({ limit: limitQuery(50) }) },
        responses: {
          200: jsonContent(z.object({ instructions: z.array(InstructionSchema) }), "Instructions"),
          ...errorResponses(400),
        },
      }),
      async (c) => {
        const services = c.get("services");
        const records = await repository(services).list(c.req.valid("query").limit ?? 50);
        const instructions = await Promise.all(records.map((r) => withJobState(services, r)));
        return c.json({ instructions }, 200);
      },
    )
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/{id}",
        operationId: opId(home, "getRemoteInstruction"),
        tags: TAGS,
        summary: "One instruction with its job, run and status",
        request: { params: IdParams },
        responses: { 200: jsonContent(InstructionSchema, "The instruction"), ...errorResponses(400, 404) },
      }),
      async (c) => {
        const { id } = c.req.valid("param");
        const services = c.get("services");
        const record = /^[A-Za-z0-9_-]+$/.test(id) ? await repository(services).get(id) : null;
        if (!record) {
          throw new ApiError(404, "REMOTE_INSTRUCTION_NOT_FOUND", `remote instruction '${id}' not found`, {
            id,
          });
        }
        return c.json(await withJobState(services, record), 200);
      },
    );
