import { createRoute, z } from "@hono/zod-openapi";
import { bodyDigest, HookDeliveryRepository } from "../../storage/hooks-idempotency.js";
import { callbackUrlProblem } from "../../storage/rules/callback-url.js";
import { idSchema } from "../../storage/schema-helpers.js";
import type { QueueJob } from "../capabilities/queue.js";
import type { Services } from "../context.js";
import { ApiError, badRequest } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { ErrorSchema, errorResponses, jsonBody, jsonContent, otherErrorResponse } from "../lib/schemas.js";
import { requireHookCaller } from "../middleware/hook-auth.js";
import { checkedJobInput } from "../queue/queue-requests.js";

const WakeSchema = z
  .object({
    prompt: z.string().trim().min(1, "must not be empty"),
    channel: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: "Where the answer should go; recorded with the run" }),
    session_id: idSchema.optional().openapi({ description: "Continue this session" }),
    agent_id: idSchema
      .optional()
      .openapi({ description: "The agent to wake; the session's, else the default agent" }),
    metadata: z.record(z.string(), z.unknown()).optional(),
    callback_url: z
      .string()
      .max(2048)
      .optional()
      .openapi({
        description:
          "POSTed {session_id, response | error, metadata, run_id, job_id, status} when the run ends (Ryvos). " +
          "http(s) only; loopback hosts unless gateway.yaml hooks.callback_hosts lists the host",
        example: "http://127.0.0.1:9000/ryvos-done",
      }),
  })
  .strict()
  .openapi("HookWake");

const WakeAnswerSchema = z
  .object({
    run_id: z
      .string()
      .openapi({ description: "The run's id, reserved when the delivery is queued (= job_id)" }),
    job_id: z.string().openapi({ description: "The run queue's job: GET /api/queue/{job_id}" }),
    session_id: z.string().optional(),
    status: z.string(),
    idempotent_replay: z.boolean(),
  })
  .openapi("HookWakeAnswer");

const IdempotencyHeader = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
    .optional()
    .openapi({
      description:
        "A retried delivery with the same key gets the same run_id and starts no second run (24 h)",
    }),
});

const errorContent = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

// Per app instance, so that the per-key lock covers every request of one gateway.
const deliveries = new WeakMap<Services, HookDeliveryRepository>();
function deliveriesFor(services: Services): HookDeliveryRepository {
  const known = deliveries.get(services);
  if (known) return known;
  const repo = new HookDeliveryRepository(
    services.scopes.global(),
    () => services.clock.now(),
    services.sharedKeys,
  );
  deliveries.set(services, repo);
  return repo;
}

/** The agent to wake: the one named, else the session's, else the default agent. */
async function wakeAgent(services: Services, body: z.infer<typeof WakeSchema>): Promise<string> {
  if (body.agent_id) return body.agent_id;
  if (body.session_id) {
    const session = await services.sessions?.find(body.session_id);
    if (!session)
      throw new ApiError(404, "SESSION_NOT_FOUND", `session '${body.session_id}' not found`, {
        session_id: body.session_id,
      });
    return session.agent_id;
  }
  const fallback = await services.settings.defaultAgent(services.scopes.global());
  if (!fallback) {
    throw badRequest(
      "NO_AGENT",
      "agent_id: no agent given and no default agent set (PUT /api/agent/default)",
      { field: "agent_id" },
    );
  }
  return fallback;
}

interface WakeAnswer {
  jobId: string;
  status: string;
  sessionId?: string;
}

const answer = (job: WakeAnswer, replay: boolean) => ({
  run_id: job.jobId,
  job_id: job.jobId,
  ...(job.sessionId ? { session_id: job.sessionId } : {}),
  status: job.status,
  idempotent_replay: replay,
});

const fromQueue = (job: QueueJob): WakeAnswer => ({
  jobId: job.id,
  status: job.status,
  ...(job.session_id ? { sessionId: job.session_id } : {}),
});

/**
 * POST /api/hooks/wake: external systems (CI, monitoring, scripts) wake an agent. Authenticated in the
 * security middleware by a hook token (see middleware/hook-auth.ts); the run goes through the queue and
 * the answer comes at once (202). The run id is the queue job's id, reserved before anything runs, so an
 * Idempotency-Key can promise the same one to every retry.
 */
export const hooksRouter = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/wake",
    operationId: "wakeAgent",
    tags: ["Webhooks"],
    summary: "Wake an agent with a prompt (Authorization: Bearer <hook token>, or an admin API key)",
    // The body limit (limits.webhook_body, 64 KiB: a prompt and some metadata; CI logs belong in a link)
    // is applied with every other route's, in middleware/body-limit.ts.
    middleware: [requireHookCaller] as const,
    "x-required-role": "admin",
    "x-auth": "hook token (gateway.yaml hooks.tokens) or an admin API key",
    request: { headers: IdempotencyHeader, body: jsonBody(WakeSchema) },
    responses: {
      202: jsonContent(
        WakeAnswerSchema,
        "Queued (or, for a repeated Idempotency-Key, the earlier delivery's run)",
      ),
      ...errorResponses(400, 401, 403, 404, 409, 501),
      422: errorContent(
        "gateway.yaml is invalid, or the Idempotency-Key was already used with a different body (IDEMPOTENCY_KEY_REUSED)",
      ),
      413: errorContent("Body too large"),
      429: errorContent("Too many failed token attempts from this address (Retry-After)"),
      ...otherErrorResponse,
    },
  }),
  async (c) => {
    const services = c.get("services");
    // Workers have no run queue: wakes go to the edge inbox, which the local gateway pulls.
    const queue = services.queue ?? services.edgeInbox ?? requireCapability(services, "queue");
    const body = c.req.valid("json");
    const key = c.req.valid("header")["idempotency-key"];
    const token = c.get("hookToken") ?? `key:${c.get("keyName") ?? "loopback"}`;
    const roots = c.get("gatewayConfig").workdirRoots;
    if (body.callback_url !== undefined) {
      const problem = callbackUrlProblem(body.callback_url, c.get("gatewayConfig").hookCallbackHosts);
      if (problem)
        throw badRequest("INVALID_CALLBACK_URL", `callback_url: ${problem}`, { field: "callback_url" });
    }
    const agentId = await wakeAgent(services, body);
    // Checked before anything is reserved: a bad agent or session is a 4xx, not a remembered key.
    const input = await checkedJobInput(
      services,
      {
        agent_id: agentId,
        prompt: body.prompt,
        ...(body.session_id ? { session_id: body.session_id } : {}),
        workspace_path: services.scopes.home,
        source: "webhook",
        metadata: {
          hook: token,
          ...(body.channel ? { channel: body.channel } : {}),
          ...(body.metadata ? { metadata: body.metadata } : {}),
          // The runtime POSTs the result here when the job ends (runtime/hooks/callbacks.ts).
          ...(body.callback_url ? { callback_url: body.callback_url } : {}),
          ...(key ? { idempotency_key: key } : {}),
        },
      },
      roots,
    );
    const enqueue = (deliveryId: string) => queue.enqueue({ ...input, source_id: deliveryId });
    const newId = () => crypto.randomUUID();
    if (!key) return c.json(answer(fromQueue(await enqueue(newId())), false), 202);

    const repo = deliveriesFor(services);
    void repo.pruneExpired().catch(() => undefined);
    const digest = await bodyDigest(body);
    const [job, replay] = await repo.withKey(token, key, async (current, storeKey) => {
      // As Stripe does: a key promises the answer to one request, so another body under it is a client bug.
      // (Keys stored before digests were kept have none and replay as before.)
      if (current?.body_sha256 !== undefined && current.body_sha256 !== digest) {
        throw new ApiError(
          422,
          "IDEMPOTENCY_KEY_REUSED",
          `Idempotency-Key '${key}' was already used with a different body; use a new key for a new delivery`,
          { idempotency_key: key },
        );
      }
      if (current?.job_id) {
        // The queue may have trimmed an old finished job; the promise of the same run id holds regardless.
        const earlier = await queue.get(current.job_id);
        return [earlier ? fromQueue(earlier) : { jobId: current.job_id, status: "unknown" }, true] as const;
      }
      if (current) {
        // Reserved but not completed: the gateway died between the two writes. Find what it queued.
        const queued = (await queue.list({ source: "webhook", limit: 10_000 })).find(
          (j) => j.source_id === current.delivery_id,
        );
        if (queued) {
          await repo.save(storeKey, { ...current, job_id: queued.id });
          return [fromQueue(queued), true] as const;
        }
      }
      const delivery = current ?? repo.newDelivery(token, newId(), digest);
      await repo.save(storeKey, delivery);
      const queued = await enqueue(delivery.delivery_id);
      await repo.save(storeKey, { ...delivery, job_id: queued.id });
      return [fromQueue(queued), false] as const;
    });
    if (replay) c.header("Idempotent-Replayed", "true");
    return c.json(answer(job, replay), 202);
  },
);
