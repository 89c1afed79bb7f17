import { conflict, notFound, StorageError } from "./errors.js";
import { canonicalExecutorId, EXECUTOR_IDS } from "./executor-types.js";
import { assertValidId, idFromName } from "./ids.js";
import { isoTimestamp } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import { applyPatch, yamlToObject } from "./yaml.js";
import { z } from "./zod.js";

export const McpServerSchema = z.looseObject({
  type: z.enum(["stdio", "http", "sse"]).optional(),
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  url: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

export type McpServerConfig = z.infer<typeof McpServerSchema>;

/**
 * The original Viben client sends `mcp_servers` as a list: names of servers configured elsewhere, or
 * entries carrying their own `name`. Both forms are stored as written so they round-trip.
 */
export const McpServerEntrySchema = z.union([
  z.string().min(1).max(200),
  McpServerSchema.extend({ name: z.string().min(1).max(200) }),
]);
export const McpServersSchema = z.union([
  z.record(z.string(), McpServerSchema),
  z.array(McpServerEntrySchema).max(1000),
]);

export const SkillSchema = z.union([z.string(), z.looseObject({ name: z.string() })]);

export const executorTypeSchema = z
  .string()
  .refine((v) => canonicalExecutorId(v) !== undefined, {
    message: `must be one of ${EXECUTOR_IDS.join(", ")} (CURSOR is accepted for CURSOR_AGENT)`,
  })
  .transform((v) => v.trim().toUpperCase());

/** The editable fields of an agent's config.yaml. */
export const AgentFieldsSchema = z.object({
  name: z.string().trim().min(1, "must not be empty").max(200),
  description: z.string().max(10_000),
  executor_type: executorTypeSchema,
  model: z.string().min(1).max(200),
  provider: z.string().min(1).max(200),
  system_prompt: z.string().max(200_000),
  append_prompt: z.string().max(200_000),
  temperature: z.number().min(0).max(2),
  max_tokens: z.number().int().positive().max(10_000_000),
  max_turns: z.number().int().positive().max(1000),
  permission_mode: z.enum(["default", "acceptEdits", "bypassPermissions", "plan"]),
  mcp_servers: McpServersSchema,
  skills: z.array(SkillSchema),
  /** Directories (absolute) the agent may run in; defaults to its workspace, or the gateway's workdir_roots. */
  workdirs: z.array(z.string().startsWith("/", "must be an absolute path")),
  // Fields of the original Viben agent, kept so its clients read back what they wrote.
  executor_config: z.record(z.string(), z.unknown()),
  plan_mode: z.boolean(),
  approvals: z.boolean(),
  /** Ryvos's spelling: only these tools (`*` wildcards) wait for a person; implies approvals. */
  pause_before: z.array(z.string().min(1).max(200)).max(200),
  /** How long a pending approval waits before it is denied (Ryvos's spelling). */
  approval_timeout_secs: z.number().int().positive().max(86_400),
  /** An agent marked as a template is offered by /api/agent/templates and can be instantiated. */
  is_template: z.boolean(),
  template_description: z.string().max(10_000),
  custom_variables: z.record(z.string(), z.unknown()),
  env_variables: z.record(z.string(), z.unknown()),
});

export type AgentFields = z.infer<typeof AgentFieldsSchema>;

/** A stored config.yaml: known fields validated, anything else a user wrote kept as is. */
export const AgentConfigSchema = AgentFieldsSchema.partial()
  .extend({
    name: AgentFieldsSchema.shape.name,
    created_at: isoTimestamp.optional(),
    updated_at: isoTimestamp.optional(),
  })
  .loose();

export type AgentConfig = z.infer<typeof AgentConfigSchema>;

export interface AgentRecord {
  id: string;
  scope: Scope;
  configPath: string;
  config: AgentConfig;
}

export interface AgentProblem {
  id: string;
  config_path: string;
  error: string;
}

type ScopeEntries = ({ id: string; record: AgentRecord } | { id: string; problem: AgentProblem })[];

export const AGENTS_BASE = "agents";
const CONFIG_FILE = "config.yaml";
const agentKey = (id: string) => `${AGENTS_BASE}:${id}:${CONFIG_FILE}`;

export function countMcpServers(config: AgentConfig): number {
  const servers = config.mcp_servers ?? {};
  return Array.isArray(servers) ? servers.length : Object.keys(servers).length;
}

/**
 * The MCP servers an executor is given: the map as stored, or from the list form the entries that carry
 * their own configuration (a bare name refers to a server configured elsewhere, which the gateway does
 * not know, so it is left out).
 */
export function mcpServerConfigs(config: Pick<AgentConfig, "mcp_servers">): Record<string, McpServerConfig> {
  const servers = config.mcp_servers;
  if (!servers) return {};
  const configs: Record<string, McpServerConfig> = {};
  const entries = Array.isArray(servers)
    ? servers.filter((e) => typeof e !== "string").map(({ name, ...server }) => [name, server] as const)
    : Object.entries(servers);
  // A server switched off (`enabled: false`, /api/mcp/agents/…/disable) stays in the file but is not used.
  for (const [name, server] of entries) if (server.enabled !== false) configs[name] = server;
  return configs;
}

/** Names in the list form of `mcp_servers` that carry no configuration (the gateway cannot start them). */
export function mcpServerReferences(config: Pick<AgentConfig, "mcp_servers">): string[] {
  const servers = config.mcp_servers;
  return Array.isArray(servers) ? servers.filter((e): e is string => typeof e === "string") : [];
}

export function countSkills(config: AgentConfig): number {
  return (config.skills ?? []).length;
}

/** `viben` for native agents, otherwise the executor type in lower case (as in the discovery document). */
export function agentType(config: AgentConfig): string {
  const executor = config.executor_type ? canonicalExecutorId(config.executor_type) : undefined;
  return executor ? executor.toLowerCase() : "viben";
}

function parseConfig(id: string, data: Record<string, unknown>, key: string): AgentConfig {
  const parsed = AgentConfigSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "(root)";
    throw new StorageError("corrupt", "INVALID_AGENT_CONFIG", `${key}: ${field}: ${issue?.message}`, {
      agent_id: id,
      field,
    });
  }
  return parsed.data;
}

/** Agents stored as `<root>/agents/<id>/config.yaml` in the global and workspace scopes. */
export class AgentRepository {
  // Parsed records per scope, reused while the scope's document store reports no change.
  private readonly parsed = new WeakMap<Scope, { generation: number; entries: ScopeEntries }>();

  constructor(private readonly now: () => Date) {}

  /** Agents of the given scopes merged in order: an id found in an earlier scope hides later ones. */
  async list(scopes: Scope[]): Promise<{ agents: AgentRecord[]; problems: AgentProblem[] }> {
    const agents: AgentRecord[] = [];
    const problems: AgentProblem[] = [];
    const seen = new Set<string>();
    for (const scope of scopes) {
      for (const entry of await this.scopeEntries(scope)) {
        if (seen.has(entry.id)) continue;
        if ("problem" in entry) problems.push(entry.problem);
        else {
          seen.add(entry.id);
          agents.push(entry.record);
        }
      }
    }
    return { agents, problems };
  }

  private async scopeEntries(scope: Scope): Promise<ScopeEntries> {
    const cached = this.parsed.get(scope);
    // Read the generation before loading: a change during the load leaves the entry stale, not wrong.
    const generation = scope.store.generationOf(AGENTS_BASE);
    if (cached && scope.store.cachesReads && cached.generation === generation) return cached.entries;
    const entries: ScopeEntries = [];
    const ids = (await scope.store.keys(AGENTS_BASE))
      .map((k) => /^([^:]+):config\.yaml$/.exec(k)?.[1])
      .filter((id): id is string => id !== undefined);
    const loaded = await Promise.all(ids.map((id) => this.load(scope, id).catch((e: unknown) => e)));
    loaded.forEach((result, i) => {
      const id = ids[i]!;
      if (result instanceof StorageError) {
        entries.push({
          id,
          problem: { id, config_path: scope.store.pathOf(agentKey(id)), error: result.message },
        });
      } else if (result && !(result instanceof Error)) {
        entries.push({ id, record: result as AgentRecord });
      }
    });
    if (scope.store.cachesReads) this.parsed.set(scope, { generation, entries });
    return entries;
  }

  async find(scopes: Scope[], id: string): Promise<AgentRecord | null> {
    assertValidId(id, "id");
    for (const scope of scopes) {
      const record = await this.load(scope, id);
      if (record) return record;
    }
    return null;
  }

  async get(scopes: Scope[], id: string): Promise<AgentRecord> {
    const record = await this.find(scopes, id);
    if (!record) throw notFound("AGENT_NOT_FOUND", `agent '${id}' not found`, { agent_id: id });
    return record;
  }

  /**
   * Creates an agent. Without an explicit id, one is derived from the name and made unique in the scope
   * with a numeric suffix; an explicit id that exists is a conflict.
   */
  async create(
    scope: Scope,
    fields: Partial<AgentFields> & { name: string },
    id?: string,
  ): Promise<AgentRecord> {
    const now = this.now().toISOString();
    const value = { ...stripUndefined(fields), created_at: now, updated_at: now };
    if (id !== undefined) {
      assertValidId(id, "id");
      return (await this.createAt(scope, id, value, true))!;
    }
    const base = idFromName(fields.name) || `agent-${this.now().getTime().toString(36)}`;
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base}-${n}`;
      const created = await this.createAt(scope, candidate, value, false);
      if (created) return created;
    }
  }

  async update(record: AgentRecord, patch: Record<string, unknown>): Promise<AgentRecord> {
    const key = agentKey(record.id);
    const stored = await record.scope.store.update(key, (doc) => {
      if (!doc) throw notFound("AGENT_NOT_FOUND", `agent '${record.id}' not found`, { agent_id: record.id });
      applyPatch(doc, { ...patch, updated_at: this.now().toISOString() });
      parseConfig(record.id, yamlToObject(doc), key);
      return doc;
    });
    return { ...record, config: parseConfig(record.id, stored!.data, key) };
  }

  async remove(record: AgentRecord): Promise<void> {
    const prefix = `${AGENTS_BASE}:${record.id}`;
    const files = await record.scope.store.keys(prefix);
    await record.scope.store.remove(files.map((f) => `${prefix}:${f}`));
  }

  private async load(scope: Scope, id: string): Promise<AgentRecord | null> {
    const key = agentKey(id);
    const stored = await scope.store.read(key);
    if (!stored) return null;
    return { id, scope, configPath: scope.store.pathOf(key), config: parseConfig(id, stored.data, key) };
  }

  private async createAt(
    scope: Scope,
    id: string,
    value: Record<string, unknown>,
    explicit: boolean,
  ): Promise<AgentRecord | null> {
    const key = agentKey(id);
    const stored = await scope.store.createIfAbsent(key, value);
    if (!stored) {
      if (!explicit) return null;
      throw conflict("AGENT_EXISTS", `agent '${id}' already exists in the ${scope.kind} scope`, {
        agent_id: id,
      });
    }
    return { id, scope, configPath: scope.store.pathOf(key), config: parseConfig(id, stored!.data, key) };
  }
}

export function stripUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
