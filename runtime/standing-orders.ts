import type { Logger } from "../handlers/capabilities/logger.js";
import type { AgentRecord } from "../storage/agents.js";
import type { Scope } from "../storage/scopes.js";
import { StandingOrderRepository } from "../storage/standing-orders.js";

/**
 * The run manager's `instructions`: the enabled standing orders for the run's agent, read when each run
 * starts (so a toggle applies to the next run). A file that cannot be read is logged and skipped: a broken
 * hand edit must not stop every run.
 */
export function standingOrderInstructions(
  scope: Scope,
  logger: Logger,
): (agent: AgentRecord) => Promise<string | undefined> {
  const orders = new StandingOrderRepository(scope);
  return async (agent) => {
    try {
      return (await orders.instructionsFor(agent.id)) || undefined;
    } catch (error) {
      logger.warn({
        msg: "standing orders not applied",
        agent_id: agent.id,
        error: (error as Error).message,
      });
      return undefined;
    }
  };
}
