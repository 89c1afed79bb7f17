/** An inbound message from a channel, as the gate sees it. */
export interface InboundMessage {
  channel: string; // channel name from channels.yaml, e.g. "telegram-main"
  platform: string; // "telegram" | "slack" | "discord" | "webhook"
  chatId: string; // chat / channel / conversation id on the platform
  threadId?: string; // thread (Slack thread_ts, Telegram message_thread_id)
  senderId: string; // platform user id
  senderName?: string;
  text: string;
}
export type GateDecision =
  | { action: "route"; agentId: string; workspacePath?: string; rule?: string }
  | { action: "deny"; reason: string; rule?: string }
  | { action: "pairing"; reply: string }; // unknown sender: reply with this text (the one-time code), reach no agent
/** Decides what an inbound channel message does: access rules, pairing, then channel routes. */
export interface ChannelGate {
  decide(message: InboundMessage, fallbackAgentId?: string): Promise<GateDecision>;
}
