import type { Logger } from "../../handlers/capabilities/logger.js";
import type { AgentRecord } from "../../storage/agents.js";
import { StorageError } from "../../storage/errors.js";
import type { ModelPricing, ResolvedProvider } from "../../storage/provider-types.js";
import type { NativeRunner } from "../runs/run-hooks.js";
import { NativeRun } from "./native-run.js";
import { providerProblem } from "./provider-model.js";

export interface NativeRunnerOptions {
  /** The agent's provider, ready to call (`${ENV}` expanded), or null when it is not configured. */
  resolveProvider(agent: AgentRecord): Promise<ResolvedProvider | null>;
  /** Prices of a model (the agent says which provider and workspace); undefined when unknown: calls cost 0. */
  pricing(model: string, agent: AgentRecord): Promise<ModelPricing | undefined>;
  logger: Logger;
  /** A provider call is aborted (and the run fails) after this long without a byte from it. Default 120 s. */
  callTimeoutMs?: number;
  /** Default timeout of `run_shell` (the model may ask for up to 10 min). Default 60 s. */
  shellTimeoutMs?: number;
  /** SDK retries of a failed call (429, 5xx, network), with backoff. Default 2. */
  maxRetries?: number;
  /** Model calls per run when the agent sets no `max_turns`. Default 10. */
  defaultMaxTurns?: number;
  /** Limit for an MCP server's start, handshake and tool listing. Default 30 s. */
  mcpTimeoutMs?: number;
  /** Limit for one MCP tool call (reset by progress notifications). Default 5 min. */
  mcpCallTimeoutMs?: number;
  /** Environment of `run_shell` commands. Default: the gateway's. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Runs `viben` agents (no executor) inside the gateway: provider calls through the AI SDK, tools, MCP. */
export function createNativeRunner(options: NativeRunnerOptions): NativeRunner {
  const settings = {
    resolveProvider: (agent: AgentRecord) => options.resolveProvider(agent),
    pricing: (model: string, agent: AgentRecord) => options.pricing(model, agent),
    logger: options.logger,
    callTimeoutMs: options.callTimeoutMs ?? 120_000,
    shellTimeoutMs: options.shellTimeoutMs ?? 60_000,
    maxRetries: options.maxRetries ?? 2,
    defaultMaxTurns: options.defaultMaxTurns ?? 10,
    mcpTimeoutMs: options.mcpTimeoutMs ?? 30_000,
    mcpCallTimeoutMs: options.mcpCallTimeoutMs ?? 5 * 60_000,
    env: options.env ?? process.env,
  };
  return {
    async check(agent) {
      const { provider, model } = agent.config;
      if (!provider || !model) {
        const missing = [!provider && "provider", !model && "model"].filter(Boolean).join(" and ");
        throw new StorageError(
          "validation",
          "AGENT_NOT_RUNNABLE",
          `agent '${agent.id}' has no executor_type and no ${missing}; set executor_type, or provider and model`,
          { agent_id: agent.id, field: !provider ? "provider" : "model" },
        );
      }
      const resolved = await options.resolveProvider(agent);
      if (!resolved) {
        throw new StorageError(
          "validation",
          "PROVIDER_NOT_CONFIGURED",
          `provider '${provider}' is not configured`,
          {
            provider,
            agent_id: agent.id,
          },
        );
      }
      const problem = providerProblem(resolved);
      if (problem) {
        throw new StorageError("validation", "PROVIDER_NOT_CONFIGURED", problem, {
          provider,
          agent_id: agent.id,
        });
      }
    },
    start: (input) => new NativeRun(settings, input),
  };
}
