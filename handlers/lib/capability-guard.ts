import { type DomainError, notSupported } from "../../storage/errors.js";
import type { Services } from "../context.js";

/** The runtime capabilities a runtime may leave out: routes that need one answer 501 without it. */
export type CapabilityName =
  | "runs"
  | "runRegistry"
  | "sessions"
  | "history"
  | "queue"
  | "terminals"
  | "cron"
  | "heartbeat"
  | "edgeInbox"
  | "executors"
  | "nativeSessions"
  | "providerChecks"
  | "telemetry"
  | "events"
  | "upgradeWebSocket"
  | "backgroundTasks"
  | "activity"
  | "delegation"
  | "groupChats"
  | "mcpConfig"
  | "approvals"
  | "audit"
  | "memory"
  | "commitments"
  | "oauth"
  | "diagnostics";

// What each refusal says, written once. (The wording of each is what the API has always answered.)
const on = (what: string) => (runtime: string) => notSupported(`${what} not available on ${runtime}`);
const inThe = (what: string) => (runtime: string) =>
  notSupported(`${what} not available in the ${runtime} runtime`, { runtime });

const REFUSALS: Record<CapabilityName, (runtime: string) => DomainError> = {
  runs: on("running agents is"),
  sessions: on("sessions are"),
  history: on("sessions are"),
  runRegistry: on("the run registry is"),
  queue: on("the run queue is"),
  terminals: (runtime) => notSupported(`terminals are not available on ${runtime}`, { runtime }),
  cron: on("cron jobs are"),
  heartbeat: on("the heartbeat is"),
  edgeInbox: (runtime) =>
    notSupported(
      `the webhook inbox lives at the edge (workerd), not on ${runtime}; pull it with npm run pull:edge`,
    ),
  executors: on("executor detection is"),
  nativeSessions: on("reading executors' own sessions is"),
  providerChecks: on("checking providers is"),
  telemetry: inThe("telemetry is"),
  events: inThe("the event stream is"),
  upgradeWebSocket: on("WebSocket is"),
  backgroundTasks: on("background tasks are"),
  activity: on("session lanes are"),
  delegation: on("delegating between agents is"),
  groupChats: on("running group chats is"),
  mcpConfig: on("editing executors' MCP files and testing MCP servers is"),
  approvals: on("approvals are"),
  audit: on("the audit log is"),
  memory: on("agent memory is"),
  commitments: on("commitments are"),
  oauth: on("OAuth sign-in is"),
  diagnostics: on("diagnostics are"),
};

/**
 * The one capability guard: the runtime's capability, or 501 `NOT_SUPPORTED_IN_RUNTIME` where the runtime
 * has none (no processes, terminals or cron on workerd), e.g. `requireCapability(services, "runs")`.
 */
export function requireCapability<K extends CapabilityName>(
  services: Services,
  name: K,
): NonNullable<Services[K]> {
  const capability = services[name];
  if (capability === undefined || capability === null) throw REFUSALS[name](services.runtime);
  return capability as NonNullable<Services[K]>;
}
