import type { ChatListSource } from "../../storage/chat-list.js";
import { GroupChatSource } from "../../storage/chat-list-group-chats.js";
import { AgentSessionSource, ChannelConversationSource } from "../../storage/chat-list-sources.js";
import { ChatListStateRepository } from "../../storage/chat-list-state.js";
import { type SessionSummaries, sessionSummariesFor } from "../../storage/session-summaries.js";
import type { Services } from "../context.js";
import { requireCapability } from "../lib/capability-guard.js";

/**
 * The chat list's sources, one per kind of conversation. A new kind (group chats) adds its factory here;
 * a factory answers undefined where its kind is not available (e.g. a capability the runtime lacks).
 */
const SOURCE_FACTORIES: ReadonlyArray<
  (services: Services, summaries: SessionSummaries) => ChatListSource | undefined
> = [
  (_services, summaries) => new AgentSessionSource(summaries),
  (services, summaries) => new ChannelConversationSource(services.scopes.global(), summaries),
  (services) => new GroupChatSource(services.scopes.global(), (path) => services.scopes.workspace(path)),
];

export interface ChatListParts {
  sources: readonly ChatListSource[];
  state: ChatListStateRepository;
}

// One set per app: the sources' caches live as long as the services they read.
const partsByServices = new WeakMap<Services, ChatListParts>();

/** The sources and state store for this app (501 where the runtime keeps no sessions). */
export function chatListParts(services: Services): ChatListParts {
  const cached = partsByServices.get(services);
  if (cached) return cached;
  const sessions = requireCapability(services, "sessions");
  const summaries = sessionSummariesFor(services.scopes.global(), sessions);
  const parts: ChatListParts = {
    sources: SOURCE_FACTORIES.flatMap((make) => make(services, summaries) ?? []),
    state: new ChatListStateRepository(services.scopes.global(), () => services.clock.now()),
  };
  partsByServices.set(services, parts);
  return parts;
}
