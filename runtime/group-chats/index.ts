import type { EventBus } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { RunService } from "../../handlers/capabilities/runs.js";
import { AgentRepository } from "../../storage/agents.js";
import type { GatewayConfigSource } from "../../storage/gateway-config.js";
import { GroupChatSessionRepository } from "../../storage/group-chat-sessions.js";
import { GroupChatRepository } from "../../storage/group-chats.js";
import type { DirectoryDeps } from "../../storage/rules/allowed-directory.js";
import type { Scopes } from "../../storage/scopes.js";
import { GroupChatRuntime } from "./group-chat-service.js";

export { GroupChatRuntime } from "./group-chat-service.js";

/** The Node gateway's group chat orchestration over its run manager and event bus. */
export function createGroupChats(deps: {
  scopes: Scopes;
  paths: DirectoryDeps["paths"];
  runs: RunService;
  events?: EventBus;
  gatewayConfig: GatewayConfigSource;
  logger: Logger;
}): GroupChatRuntime {
  return new GroupChatRuntime({
    scopes: deps.scopes,
    paths: deps.paths,
    agents: new AgentRepository(() => new Date()),
    chats: new GroupChatRepository(),
    sessions: new GroupChatSessionRepository(),
    runs: deps.runs,
    events: deps.events,
    workdirRoots: async () => (await deps.gatewayConfig.get()).workdirRoots,
    logger: deps.logger,
  });
}
