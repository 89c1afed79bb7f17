import type { AgentRecord } from "../../storage/agents.js";
import { findPricing } from "../../storage/model-pricing.js";
import { ProviderRepository } from "../../storage/providers.js";
import type { Scope } from "../../storage/scopes.js";
import type { NativeRunner } from "../runs/run-hooks.js";
import { createNativeRunner, type NativeRunnerOptions } from "./native-runner.js";

export interface GatewayNativeRunnerOptions extends Omit<NativeRunnerOptions, "resolveProvider" | "pricing"> {
  globalScope: Scope;
  /** Expands providers' `${ENV}` references (and is the environment of `run_shell`). */
  env: Readonly<Record<string, string | undefined>>;
  /** A repository to share (its parsed-file cache); one is made when absent. */
  providers?: ProviderRepository;
}

/**
 * The native runner as the Node gateway runs it: providers and prices read from storage, looked up in
 * the agent's workspace first (for a workspace agent), then the global scope.
 */
export function createGatewayNativeRunner(options: GatewayNativeRunnerOptions): NativeRunner {
  const { globalScope, env } = options;
  const providers = options.providers ?? new ProviderRepository(globalScope, () => new Date());
  const workspaceOf = (agent: AgentRecord) => (agent.scope.kind === "workspace" ? agent.scope : undefined);
  return createNativeRunner({
    ...options,
    resolveProvider: async (agent) => {
      const id = agent.config.provider;
      if (!id) return null;
      const workspace = workspaceOf(agent);
      return providers.resolve(id, workspace ? [workspace, globalScope] : [globalScope], env);
    },
    pricing: (model, agent) =>
      findPricing(model, {
        global: globalScope,
        workspace: workspaceOf(agent),
        providerId: agent.config.provider,
        providers,
      }),
  });
}
