import type { EventBus } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { QueueJob } from "../../handlers/capabilities/queue.js";
import { runDeliveryId } from "../../storage/channel-outbox.js";
import { type ChannelRecord, type ChannelRepository, isChannelProblem } from "../../storage/channels.js";
import { isFinalQueueStatus } from "../../storage/queue-schemas.js";
import type { SessionRepository } from "../../storage/sessions.js";
import type { ChannelOutbox } from "./outbox.js";

export interface RunDeliveryOptions {
  repo: ChannelRepository;
  outbox: ChannelOutbox;
  sessions?: Pick<SessionRepository, "listMessages">;
  events?: EventBus;
  logger: Logger;
}

/** The agent's final text of the job's run: the last assistant message that run recorded. */
async function finalText(options: RunDeliveryOptions, job: QueueJob): Promise<string> {
  if (job.status !== "succeeded") return `The run ${job.status}: ${job.error ?? "no answer"}`;
  if (!options.sessions || !job.session_id || !job.run_id) return "";
  const page = await options.sessions.listMessages(job.session_id, { limit: 50 });
  return page.messages.findLast((m) => m.role === "assistant" && m.run_id === job.run_id)?.content ?? "";
}

/**
 * `channel` names a channel of channels.yaml, or a platform (`slack`: its first enabled channel), as
 * Ryvos's wake examples do; `<name>:<chat>` names the chat too.
 */
async function resolveChannel(repo: ChannelRepository, named: string) {
  const [name, chat] = named.includes(":")
    ? [named.slice(0, named.indexOf(":")), named.slice(named.indexOf(":") + 1)]
    : [named, undefined];
  const channels = (await repo.list()).filter((c): c is ChannelRecord => !isChannelProblem(c));
  const channel =
    channels.find((c) => c.name === name) ?? channels.find((c) => c.enabled && c.config.platform === name);
  return channel ? { channel, chat } : undefined;
}

/**
 * Delivers the answer of every queue job that names a `channel` (a run started from a channel, a webhook
 * wake, a cron job) once the job ends: one outbox record per (run, channel), however often this is asked.
 */
export function createRunDeliveries(options: RunDeliveryOptions) {
  const failed = (job: QueueJob, channel: string, error: string) => {
    options.logger.warn({ msg: "channel delivery failed", job_id: job.id, channel, error });
    options.events?.publish({
      type: "channel_delivery_failed",
      ...(job.session_id ? { session_id: job.session_id } : {}),
      run_id: job.run_id ?? job.id,
      job_id: job.id,
      channel,
      error,
    });
  };
  return async function deliver(job: QueueJob): Promise<void> {
    const named = job.metadata?.channel;
    if (typeof named !== "string" || !isFinalQueueStatus(job.status)) return;
    const found = await resolveChannel(options.repo, named);
    if (!found) return failed(job, named, `channel '${named}' is not configured in channels.yaml`);
    const { channel } = found;
    const chat = (job.metadata?.chat_id as string | undefined) ?? found.chat ?? channel.config.chat_id;
    if (!chat)
      return failed(
        job,
        channel.name,
        `channel '${channel.name}' has no chat_id to deliver to (set chat_id in channels.yaml)`,
      );
    const thread = job.metadata?.thread_id;
    await options.outbox.enqueue({
      id: runDeliveryId(job.id, channel.name),
      channel: channel.name,
      platform: channel.config.platform,
      chat_id: chat,
      ...(typeof thread === "string" ? { thread_id: thread } : {}),
      text: (await finalText(options, job)) || "(the agent gave no answer)",
      // The run's own id (GET /api/runs/{id} lists its deliveries); the job's while it never started.
      run_id: job.run_id ?? job.id,
      job_id: job.id,
      ...(job.session_id ? { session_id: job.session_id } : {}),
      ...(channel.config.platform === "webhook" && channel.config.max_attempts
        ? { max_attempts: channel.config.max_attempts }
        : {}),
    });
  };
}
