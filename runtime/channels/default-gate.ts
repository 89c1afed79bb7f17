import type { ChannelGate } from "../../handlers/capabilities/channel-gate.js";

/**
 * The gate used until access rules and channel routes exist: everyone is allowed, and a message goes to
 * the channel's configured agent, else the default agent.
 */
export function createDefaultChannelGate(
  defaultAgent: () => Promise<string | null | undefined>,
): ChannelGate {
  return {
    async decide(_message, fallbackAgentId) {
      const agentId = fallbackAgentId ?? (await defaultAgent()) ?? undefined;
      if (!agentId)
        return { action: "deny", reason: "no agent: set `agent` on the channel or a default agent" };
      return { action: "route", agentId };
    },
  };
}
