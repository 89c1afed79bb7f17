import type { Logger } from "../../handlers/capabilities/logger.js";
import type { QueueJob } from "../../handlers/capabilities/queue.js";
import type { GatewayConfigSource } from "../../storage/gateway-config.js";
import { isFinalQueueStatus } from "../../storage/queue-schemas.js";
import { callbackUrlProblem } from "../../storage/rules/callback-url.js";
import type { SessionRepository } from "../../storage/sessions.js";

/** How long one callback POST may take before it is given up. */
const CALLBACK_TIMEOUT_MS = 10_000;

export interface HookCallbackOptions {
  queue: { onChange(listener: (job: QueueJob) => void): () => void };
  sessions?: Pick<SessionRepository, "listMessages">;
  gatewayConfig: Pick<GatewayConfigSource, "get">;
  logger: Logger;
  fetch?: typeof fetch;
}

/** The agent's final text of the job's run: the last assistant message that run recorded. */
async function finalResponse(options: HookCallbackOptions, job: QueueJob): Promise<string> {
  if (!options.sessions || !job.session_id || !job.run_id) return "";
  const page = await options.sessions.listMessages(job.session_id, { limit: 50 });
  const last = page.messages.findLast((m) => m.role === "assistant" && m.run_id === job.run_id);
  return last?.content ?? "";
}

/** The body Ryvos sends (webhook-format.md): `response` on success, `error` otherwise; ours adds ids and status. */
async function payloadOf(options: HookCallbackOptions, job: QueueJob): Promise<Record<string, unknown>> {
  const metadata = job.metadata?.metadata;
  const outcome =
    job.status === "succeeded"
      ? { response: await finalResponse(options, job) }
      : { error: job.error ?? `the run ended ${job.status}` };
  return {
    session_id: job.session_id ?? null,
    ...outcome,
    ...(metadata === undefined ? {} : { metadata }),
    run_id: job.id,
    job_id: job.id,
    status: job.status,
  };
}

/**
 * Sends the result of a webhook-started run to the `callback_url` it was woken with, once its queue job
 * ends. Like Ryvos: one POST of JSON, no retry, a failure is logged. Redirects are not followed (an
 * allowed host must not bounce the request elsewhere) and the URL is checked again against gateway.yaml,
 * which may have changed since intake. Jobs that ended while the gateway was down get no callback.
 */
export function attachHookCallbacks(options: HookCallbackOptions) {
  const send = options.fetch ?? fetch;
  const pending = new Set<Promise<void>>();
  const deliver = async (job: QueueJob, url: string) => {
    const problem = callbackUrlProblem(url, (await options.gatewayConfig.get()).hookCallbackHosts);
    if (problem) {
      options.logger.warn({ msg: "webhook callback refused", job_id: job.id, error: problem });
      return;
    }
    try {
      const response = await send(url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "viben-gateway" },
        body: JSON.stringify(await payloadOf(options, job)),
        redirect: "manual",
        signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (!response.ok)
        options.logger.warn({ msg: "webhook callback answered", job_id: job.id, status: response.status });
    } catch (error) {
      options.logger.warn({
        msg: "webhook callback failed",
        job_id: job.id,
        error: (error as Error).message,
      });
    }
  };
  const detach = options.queue.onChange((job) => {
    const url = job.metadata?.callback_url;
    if (job.source !== "webhook" || typeof url !== "string" || !isFinalQueueStatus(job.status)) return;
    const work = deliver(job, url);
    pending.add(work);
    void work.finally(() => pending.delete(work));
  });
  return {
    detach,
    /** Resolves once every callback started so far has been sent or given up (shutdown). */
    async settled(): Promise<void> {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
