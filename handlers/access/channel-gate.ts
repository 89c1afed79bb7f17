import { decideAccess } from "../../storage/access-rules.js";
import { resolveRoute } from "../../storage/channel-routes.js";
import { readPairingSettings } from "../../storage/pairing.js";
import type { RuleSubject } from "../../storage/rules/channel-match.js";
import type { SettingsRepository } from "../../storage/settings.js";
import type { ChannelGate, GateDecision, InboundMessage } from "../capabilities/channel-gate.js";
import type { Services } from "../context.js";
import { accessStores } from "./access-requests.js";

/**
 * The ChannelGate over the stored rules, in this order: access rules on who is writing (a denied sender
 * gets no pairing code), the pairing gate (gateway.yaml `pairing:`), the channel routes (else the
 * fallback agent, else the default agent), then access rules again now that the agent is known.
 */
export class StoredChannelGate implements ChannelGate {
  constructor(
    private readonly services: Pick<Services, "scopes" | "clock"> & { settings: SettingsRepository },
  ) {}

  async decide(message: InboundMessage, fallbackAgentId?: string): Promise<GateDecision> {
    const { scopes } = this.services;
    const stores = accessStores(this.services);
    const subject: RuleSubject = {
      channel: message.channel,
      platform: message.platform,
      chat_id: message.chatId,
      sender_id: message.senderId,
      text: message.text,
    };
    const rules = await stores.access.list();
    const early = decideAccess(rules, subject);
    if (early && !early.allowed) return { action: "deny", reason: early.reason, rule: early.rule?.id };

    const settings = await readPairingSettings(scopes.global().store);
    const policy = settings.policyFor(message.channel, message.platform);
    const pairing = await stores.pairing.gate(
      message.channel,
      message.senderId,
      policy,
      settings.codeTtlMs,
      message.senderName,
    );
    if (pairing.action === "reply-with-code") {
      return { action: "pairing", reply: pairingReply(message.channel, pairing.code, pairing.firstTime) };
    }
    if (pairing.action === "drop") return { action: "deny", reason: "the sender's pairing was denied" };
    if (pairing.action === "reject") {
      return { action: "deny", reason: `channel '${message.channel}' takes approved senders only` };
    }

    const route = resolveRoute(await stores.routes.list(), subject);
    const agentId =
      route?.agent_id ?? fallbackAgentId ?? (await this.services.settings.defaultAgent(scopes.global()));
    if (!agentId) return { action: "deny", reason: "no channel route matched and no default agent is set" };
    const decision = decideAccess(rules, { ...subject, agent_id: agentId })!;
    if (!decision.allowed) return { action: "deny", reason: decision.reason, rule: decision.rule?.id };
    return {
      action: "route",
      agentId,
      ...(route?.workspace_path ? { workspacePath: route.workspace_path } : {}),
      ...(route ? { rule: route.id } : {}),
    };
  }
}

/** What an unknown sender reads: the code and what the operator does with it. */
export function pairingReply(channel: string, code: string, firstTime: boolean): string {
  const intro = firstTime ? "This chat is in pairing mode." : "You already have a pending pairing code.";
  return (
    `${intro}\n\nYour pairing code: ${code}\n\n` +
    `Ask the operator to approve it (POST /pairing/approve {"channel": "${channel}", "code": "${code}"}), ` +
    "then send your message again."
  );
}
