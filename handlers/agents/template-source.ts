import type { AgentConfig, AgentRecord } from "../../storage/agents.js";
import { StorageError } from "../../storage/errors.js";
import type { Scope } from "../../storage/scopes.js";
import type { TemplateConfig, TemplateRecord } from "../../storage/templates.js";
import type { Services } from "../context.js";

/**
 * Templates come from two places: template files (built in, or `~/.viben/templates/`), and agents marked
 * `is_template` (the original Viben's newer model, in either scope). A file template's id wins over an
 * agent's of the same id, so the answers of the seed's paths stay what they were.
 */

/** Identity and template marks are not copied into a new agent. */
const NOT_COPIED = ["name", "created_at", "updated_at", "is_template", "template_description"] as const;

/** An agent's configuration as a template's: everything that describes how it works, not who it is. */
export function agentAsTemplateConfig(config: AgentConfig): TemplateConfig {
  const copy: Record<string, unknown> = { ...config };
  for (const key of NOT_COPIED) delete copy[key];
  return copy as TemplateConfig;
}

/** A template view of an agent marked `is_template`, with the fields the original client reads. */
export function agentTemplateView(record: AgentRecord) {
  const { config } = record;
  return {
    id: record.id,
    name: config.name,
    description: config.description ?? config.template_description,
    source: record.scope.kind,
    config: agentAsTemplateConfig(config) as Record<string, unknown>,
    created_at: config.created_at,
    updated_at: config.updated_at,
    path: record.configPath,
    workspace_path: record.scope.workspacePath,
    is_template: true,
    template_description: config.template_description,
    model: config.model,
    provider_id: config.provider,
    executor_type: config.executor_type,
    system_prompt: config.system_prompt,
  };
}

/** A template file's view, with the marks the original client reads. */
export function fileTemplateView(template: TemplateRecord) {
  return {
    ...template,
    is_template: true,
    template_description: template.description,
    model: template.config.model,
    provider_id: template.config.provider,
    executor_type: template.config.executor_type,
  };
}

/** Agents of the scopes that are marked as templates. */
export async function agentTemplates(services: Services, scopes: Scope[]): Promise<AgentRecord[]> {
  const { agents } = await services.agents.list(scopes);
  return agents.filter((a) => a.config.is_template === true);
}

/** The agent marked as a template with this id, or null. */
export async function findAgentTemplate(
  services: Services,
  id: string,
  scopes: Scope[],
): Promise<AgentRecord | null> {
  const record = await services.agents.find(scopes, id);
  return record?.config.is_template === true ? record : null;
}

/** A template file, else an agent marked as template; TEMPLATE_NOT_FOUND when neither exists. */
export async function findTemplate(
  services: Services,
  id: string,
  scopes: Scope[],
): Promise<{ file: TemplateRecord } | { agent: AgentRecord }> {
  try {
    return { file: await services.templates.get(id) };
  } catch (error) {
    if (!(error instanceof StorageError) || error.code !== "TEMPLATE_NOT_FOUND") throw error;
    const agent = await findAgentTemplate(services, id, scopes);
    if (!agent) throw error;
    return { agent };
  }
}

/** The configuration a new agent made from template `id` starts with. */
export async function findTemplateConfig(
  services: Services,
  id: string,
  scopes: Scope[],
): Promise<TemplateConfig> {
  const found = await findTemplate(services, id, scopes);
  return "file" in found ? found.file.config : agentAsTemplateConfig(found.agent.config);
}
