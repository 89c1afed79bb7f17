import { z } from "@hono/zod-openapi";
import {
  type AgentConfig,
  type AgentRecord,
  agentType,
  countMcpServers,
  countSkills,
} from "../../storage/agents.js";
import { canonicalExecutorId } from "../../storage/executor-types.js";
import { BUILTIN_MODELS } from "../../storage/model-catalogue.js";
import { redactMcpServers, redactRecord } from "../../storage/rules/redact.js";
import type { Scope } from "../../storage/scopes.js";
import type { ExecutorAvailability, ExecutorInfo } from "../capabilities/executors.js";
import type { Services } from "../context.js";
import { InputWarningSchema } from "../lib/lenient-body.js";

export const AgentSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    agent_type: z
      .string()
      .openapi({ description: "viben for native agents, else the executor in lower case" }),
    executor_type: z.string().optional(),
    model: z.string().optional(),
    provider: z.string().optional(),
    provider_id: z.string().optional().openapi({ description: "Same as provider (the original Viben name)" }),
    is_template: z.boolean().optional(),
    source: z.enum(["global", "workspace"]),
    workspace_path: z.string(),
    config_path: z.string(),
    mcp_server_count: z.number().int(),
    skill_count: z.number().int(),
    is_available: z.boolean(),
    created_at: z.string().optional(),
    updated_at: z.string().optional(),
  })
  .openapi("AgentSummary");

export const AgentDetailSchema = AgentSummarySchema.extend({
  system_prompt: z.string().optional(),
  append_prompt: z.string().optional(),
  temperature: z.number().optional(),
  max_tokens: z.number().optional(),
  max_turns: z.number().optional(),
  permission_mode: z.string().optional(),
  mcp_servers: z
    .union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
    .optional()
    .openapi({ description: "A map by name, or the original Viben list (names or entries), as written" }),
  skills: z.array(z.unknown()).optional(),
  executor_config: z.record(z.string(), z.unknown()).optional(),
  plan_mode: z.boolean().optional(),
  approvals: z.boolean().optional(),
  pause_before: z.array(z.string()).optional(),
  approval_timeout_secs: z.number().optional(),
  template_description: z.string().optional(),
  custom_variables: z.record(z.string(), z.unknown()).optional(),
  env_variables: z.record(z.string(), z.unknown()).optional(),
  warnings: z
    .array(InputWarningSchema)
    .optional()
    .openapi({ description: "Request fields that were ignored (present only when some were)" }),
})
  .loose()
  .openapi("AgentDetail");

export type AgentSummary = z.infer<typeof AgentSummarySchema>;

/**
 * Decides whether agents can run: an executor agent needs its executor installed; a native agent needs
 * its provider configured (a provider file whose `${ENV}` references are set, or a built-in provider's
 * variable in the environment).
 */
export class AvailabilityResolver {
  // Promises, not values: a listing asks for every agent at once and must probe only once.
  private executors: Promise<Map<string, ExecutorInfo> | undefined> | undefined;
  private providers: Promise<Set<string>> | undefined;

  constructor(
    private readonly services: Services,
    private readonly workspacePath: string,
    private readonly scopes: Scope[],
  ) {}

  async forAgent(
    config: AgentConfig,
  ): Promise<{ available: boolean; reason: string | null; availability?: ExecutorAvailability }> {
    const executorId = config.executor_type ? canonicalExecutorId(config.executor_type) : undefined;
    if (executorId) {
      const executors = await this.loadExecutors();
      const info = executors?.get(executorId);
      if (!info) return { available: false, reason: "executor detection is not available in this runtime" };
      const available = info.availability.type !== "NOT_INSTALLED";
      return {
        available,
        reason: available ? null : `${info.name} is not installed (${executorId})`,
        availability: info.availability,
      };
    }
    const provider =
      config.provider ?? BUILTIN_MODELS.find((m) => m.id === config.model)?.provider_id ?? undefined;
    if (!provider) return { available: false, reason: "no executor_type and no provider configured" };
    const providers = await this.loadProviders();
    return providers.has(provider)
      ? { available: true, reason: null }
      : { available: false, reason: `provider '${provider}' is not configured` };
  }

  private loadExecutors(): Promise<Map<string, ExecutorInfo> | undefined> {
    const catalog = this.services.executors;
    this.executors ??= catalog
      ? catalog.list(this.workspacePath).then((list) => new Map(list.map((e) => [e.id, e])))
      : Promise.resolve(undefined);
    return this.executors;
  }

  private loadProviders(): Promise<Set<string>> {
    this.providers ??= this.services.providers.configuredIds(this.scopes, this.services.env);
    return this.providers;
  }
}

export async function agentSummary(
  record: AgentRecord,
  availability: AvailabilityResolver,
): Promise<AgentSummary> {
  const { config } = record;
  return {
    id: record.id,
    name: config.name,
    description: config.description,
    agent_type: agentType(config),
    executor_type: config.executor_type,
    model: config.model,
    provider: config.provider,
    provider_id: config.provider,
    is_template: config.is_template,
    source: record.scope.kind,
    workspace_path: record.scope.workspacePath,
    config_path: record.configPath,
    mcp_server_count: countMcpServers(config),
    skill_count: countSkills(config),
    is_available: (await availability.forAgent(config)).available,
    created_at: config.created_at,
    updated_at: config.updated_at,
  };
}

export async function agentDetail(record: AgentRecord, availability: AvailabilityResolver) {
  const { config } = record;
  return {
    ...config,
    ...(await agentSummary(record, availability)),
    ...(config.mcp_servers ? { mcp_servers: redactMcpServers(config.mcp_servers) } : {}),
    ...(config.env_variables ? { env_variables: redactRecord(config.env_variables) } : {}),
    ...(config.executor_config ? { executor_config: redactExecutorConfig(config.executor_config) } : {}),
  };
}

/** The original's executor_config may carry an `env` map (ClaudeCodeConfig): its values are secrets. */
function redactExecutorConfig(config: Record<string, unknown>): Record<string, unknown> {
  const env = config.env;
  if (!env || typeof env !== "object" || Array.isArray(env)) return config;
  return { ...config, env: redactRecord(env as Record<string, unknown>) };
}
