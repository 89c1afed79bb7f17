import type { ChannelGate, InboundMessage } from "../../handlers/capabilities/channel-gate.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { QueueJob, RunQueue } from "../../handlers/capabilities/queue.js";
import type { ChannelSessionMap } from "../../storage/channel-outbox.js";
import type { ChannelRecord } from "../../storage/channels.js";
import type { SessionRepository } from "../../storage/sessions.js";
import type { ChannelOutbox } from "./outbox.js";

export interface InboundOptions {
  gate: () => ChannelGate;
  queue: Pick<RunQueue, "enqueue">;
  sessions?: Pick<SessionRepository, "find">;
  sessionMap: ChannelSessionMap;
  outbox: ChannelOutbox;
  /** The global workspace: where the agent is looked up when neither the gate nor the channel names one. */
  home: string;
  logger: Logger;
}

/** The conversation a message belongs to: one session per (channel, chat, thread, sender). */
export const conversationKey = (m: InboundMessage) => [m.channel, m.chatId, m.threadId ?? "", m.senderId];

/**
 * An inbound message's way in: the gate decides (route, deny, pairing), the conversation's session is
 * continued, and the run goes through the queue with the chat to answer in its metadata; the answer is
 * delivered by the run deliveries when the job ends (run-deliveries.ts).
 */
export function createInboundPipeline(options: InboundOptions) {
  const reply = (message: InboundMessage, text: string) =>
    options.outbox.enqueue({
      id: `reply-${crypto.randomUUID()}`,
      channel: message.channel,
      platform: message.platform,
      chat_id: message.chatId,
      ...(message.threadId ? { thread_id: message.threadId } : {}),
      text,
    });

  async function handle(channel: ChannelRecord, message: InboundMessage): Promise<void> {
    const decision = await options.gate().decide(message, channel.config.agent);
    if (decision.action === "pairing") {
      await reply(message, decision.reply);
      return;
    }
    if (decision.action === "deny") {
      options.logger.info({
        msg: "channel message refused",
        channel: message.channel,
        sender: message.senderId,
        reason: decision.reason,
      });
      return;
    }
    const key = conversationKey(message);
    const known = await options.sessionMap.get(key);
    // A session deleted since goes; the conversation starts a new one.
    const sessionId = known && (await options.sessions?.find(known)) ? known : undefined;
    try {
      await options.queue.enqueue({
        agent_id: decision.agentId,
        prompt: message.text,
        ...(sessionId ? { session_id: sessionId } : {}),
        workspace_path: decision.workspacePath ?? channel.config.workspace_path ?? options.home,
        source: "channel",
        source_id: message.channel,
        metadata: {
          channel: message.channel,
          chat_id: message.chatId,
          ...(message.threadId ? { thread_id: message.threadId } : {}),
          sender_id: message.senderId,
          ...(message.senderName ? { sender_name: message.senderName } : {}),
          conversation: key,
          ...(decision.rule ? { rule: decision.rule } : {}),
        },
      });
    } catch (error) {
      const problem = (error as Error).message;
      options.logger.warn({ msg: "channel message not queued", channel: message.channel, error: problem });
      await reply(message, `Sorry, the message could not be handed to an agent: ${problem}`);
    }
  }

  return {
    /** Handles a message in the background: platforms expect their request answered at once. */
    accept(channel: ChannelRecord, message: InboundMessage): void {
      void handle(channel, message).catch((error: Error) =>
        options.logger.error({
          msg: "channel message failed",
          channel: message.channel,
          error: error.message,
        }),
      );
    },
    /** Remembers the session a conversation's first run created, so the next message continues it. */
    async rememberSession(job: QueueJob): Promise<void> {
      const key = job.metadata?.conversation;
      if (job.source !== "channel" || !job.session_id || !Array.isArray(key)) return;
      await options.sessionMap.set(key.map(String), job.session_id);
    },
  };
}
