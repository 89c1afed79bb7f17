import type { Logger } from "../../handlers/capabilities/logger.js";
import type { MemoryService } from "../../handlers/capabilities/memory.js";
import { AgentContextRepository } from "../../storage/agent-context.js";
import { AgentRoutesRepository } from "../../storage/agent-routes.js";
import { AgentRepository } from "../../storage/agents.js";
import type { AppendLog } from "../../storage/append-log.js";
import type { GatewayConfigSource } from "../../storage/gateway-config.js";
import type { Scopes } from "../../storage/scopes.js";
import type { SessionRepository } from "../../storage/sessions.js";
import type { Budgets } from "../budgets.js";
import { nodePaths } from "../node/capabilities.js";
import { GatewayDelegation } from "./delegation-service.js";

export { GatewayDelegation } from "./delegation-service.js";

/** The Node gateway's delegation service, over its global storage. */
export function createDelegation(deps: {
  scopes: Scopes;
  sessions: SessionRepository;
  log: AppendLog;
  gatewayConfig: GatewayConfigSource;
  budgets?: Budgets;
  logger: Logger;
  version: string;
  memory?: MemoryService;
}): GatewayDelegation {
  const now = () => new Date();
  return new GatewayDelegation({
    scopes: deps.scopes,
    paths: nodePaths,
    agents: new AgentRepository(now),
    sessions: deps.sessions,
    routes: new AgentRoutesRepository(deps.scopes.global()),
    contexts: new AgentContextRepository(deps.scopes.global(), now),
    log: deps.log,
    workdirRoots: async () => (await deps.gatewayConfig.get()).workdirRoots,
    checkBudget: deps.budgets ? (agent) => deps.budgets!.check(agent) : undefined,
    logger: deps.logger,
    version: deps.version,
    memory: deps.memory,
  });
}
