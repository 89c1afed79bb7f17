import type { EventBus } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import { ApprovalRuleRepository } from "../../storage/approval-rules.js";
import type { Scope } from "../../storage/scopes.js";
import { ApprovalBroker } from "./broker.js";
import { Guardian, type GuardianSettings } from "./guardian.js";
import { createRunGovernance } from "./run-governance.js";

/** The approval broker, the guardian, and what the run manager asks of both. */
export function createGovernance(options: {
  scope: Scope;
  events: EventBus;
  logger: Logger;
  guardian?: Partial<GuardianSettings>;
}) {
  const now = () => new Date();
  const broker = new ApprovalBroker({
    events: options.events,
    rules: new ApprovalRuleRepository(options.scope.store, now),
    logger: options.logger,
    newId: () => crypto.randomUUID(),
    now,
  });
  const guardian = new Guardian(options.events, options.guardian);
  return { broker, guardian, runs: createRunGovernance(broker, guardian) };
}
