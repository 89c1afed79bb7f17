import { conflict, invalid, notFound, StorageError } from "./errors.js";
import { assertValidId, idFromName, idProblem } from "./ids.js";
import { BUILTIN_PROVIDERS, builtinEnvKey, findBuiltinProvider } from "./provider-builtins.js";
import { type ProviderRecord, type ProviderResolution, resolveProviderRecord } from "./provider-resolve.js";
import {
  connectionProblem,
  type ProviderConfig,
  ProviderConfigSchema,
  type ProviderFields,
} from "./provider-schema.js";
import type { ResolvedProvider } from "./provider-types.js";
import type { Scope } from "./scopes.js";
import { applyPatch, yamlToObject } from "./yaml.js";

// The record and resolution types live with the resolver, so the two modules import one way only.
export type { ProviderRecord, ProviderResolution, ProviderSource } from "./provider-resolve.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface ProviderProblem {
  id: string;
  config_path: string;
  error: string;
}

/** Either a provider ready to call, or why it cannot be called (never a secret). */
type ScopeEntries = ({ id: string; record: ProviderRecord } | { id: string; problem: ProviderProblem })[];

export const PROVIDERS_BASE = "providers";
/** Path segments of /api/providers that a generated id must not take. */
const RESERVED_IDS = new Set(["default", "api-keys", "reload", "validate-key"]);
const providerKey = (id: string) => `${PROVIDERS_BASE}:${id}.yaml`;

function parseConfig(id: string, data: Record<string, unknown>, key: string): ProviderConfig {
  const parsed = ProviderConfigSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "(root)";
    throw new StorageError("corrupt", "INVALID_PROVIDER_CONFIG", `${key}: ${field}: ${issue?.message}`, {
      provider_id: id,
      field,
    });
  }
  return parsed.data;
}

/** Refuses a configuration that could never connect (e.g. openai-compatible without base_url). */
function assertConnectable(config: ProviderConfig): void {
  const problem = connectionProblem(config);
  if (problem) throw invalid("base_url", problem.replace(/^base_url: /, ""));
}

/** A built-in provider as a record: its key is a reference to whichever variable is set. */
function builtinRecord(id: string, globalScope: Scope, env: Env): ProviderRecord | null {
  const builtin = findBuiltinProvider(id);
  if (!builtin) return null;
  const keyVar = builtinEnvKey(builtin, env) ?? builtin.envKeys[0];
  const baseUrl = (builtin.baseUrlEnv && env[builtin.baseUrlEnv]) || builtin.baseUrl?.(env);
  return {
    id,
    source: "builtin",
    scope: globalScope,
    config: {
      name: builtin.name,
      type: builtin.type,
      ...(baseUrl ? { base_url: baseUrl } : {}),
      ...(!builtin.keyless && keyVar ? { api_key: `\${${keyVar}}` } : {}),
    },
  };
}

/**
 * LLM providers: `<root>/providers/<id>.yaml` in the global and workspace scopes (a workspace file wins
 * over a global one with the same id), and built-in providers configured by the environment alone
 * (see provider-builtins.ts) wherever no file has their id.
 */
export class ProviderRepository {
  // Parsed files per scope, reused while the scope's document store reports no change.
  private readonly parsed = new WeakMap<Scope, { generation: number; entries: ScopeEntries }>();

  constructor(
    private readonly globalScope: Scope,
    private readonly now: () => Date,
  ) {}

  /**
   * Providers of the given scopes merged in order (an id in an earlier scope hides later ones), then the
   * built-in providers without a file when the global scope is among the scopes.
   */
  async list(
    scopes: Scope[],
    env: Env = {},
  ): Promise<{ providers: ProviderRecord[]; problems: ProviderProblem[] }> {
    const providers: ProviderRecord[] = [];
    const problems: ProviderProblem[] = [];
    const seen = new Set<string>();
    for (const scope of scopes) {
      for (const entry of await this.scopeEntries(scope)) {
        if (seen.has(entry.id)) continue;
        // A broken file still hides the global or built-in provider it was meant to replace.
        seen.add(entry.id);
        if ("problem" in entry) problems.push(entry.problem);
        else providers.push(entry.record);
      }
    }
    if (scopes.some((s) => s.kind === "global")) {
      for (const builtin of BUILTIN_PROVIDERS) {
        if (!seen.has(builtin.id)) providers.push(builtinRecord(builtin.id, this.globalScope, env)!);
      }
    }
    return { providers, problems };
  }

  /** The provider with this id: the first scope's file, else a built-in provider, else null. */
  async find(scopes: Scope[], id: string, env: Env = {}): Promise<ProviderRecord | null> {
    assertValidId(id, "id");
    for (const scope of scopes) {
      const record = await this.load(scope, id);
      if (record) return record;
    }
    return builtinRecord(id, this.globalScope, env);
  }

  async get(scopes: Scope[], id: string, env: Env = {}): Promise<ProviderRecord> {
    const record = await this.find(scopes, id, env);
    if (!record) throw notFound("PROVIDER_NOT_FOUND", `provider '${id}' not found`, { provider_id: id });
    return record;
  }

  /**
   * The provider ready to call, `${ENV}` references expanded; null when there is no such provider or it
   * is not configured (a referenced variable is unset, a built-in provider's variable is unset).
   * Throws a StorageError (422, INVALID_PROVIDER_CONFIG) when its file does not validate.
   */
  async resolve(id: string, scopes: Scope[], env: Env): Promise<ResolvedProvider | null> {
    const resolution = await this.explain(id, scopes, env);
    return resolution?.configured ? resolution.provider : null;
  }

  /** Like resolve, but says why a provider is not configured; null when it does not exist. */
  async explain(id: string, scopes: Scope[], env: Env): Promise<ProviderResolution | null> {
    // An id that cannot name a file names no provider (agents' `provider` field is free text).
    if (idProblem(id)) return null;
    const record = await this.find(scopes, id, env);
    return record ? resolveProviderRecord(record, env) : null;
  }

  /** Ids of the providers that resolve in these scopes (built-in ones included wherever no file has their id). */
  async configuredIds(scopes: Scope[], env: Env): Promise<Set<string>> {
    const { providers, problems } = await this.list(scopes, env);
    const ids = new Set<string>();
    const seen = new Set([...providers, ...problems].map((p) => p.id));
    for (const record of providers) {
      if (resolveProviderRecord(record, env).configured) ids.add(record.id);
    }
    // Built-in providers count even when the listing leaves out the global scope (include_global=false).
    for (const builtin of BUILTIN_PROVIDERS) {
      if (seen.has(builtin.id)) continue;
      if (resolveProviderRecord(builtinRecord(builtin.id, this.globalScope, env)!, env).configured) {
        ids.add(builtin.id);
      }
    }
    return ids;
  }

  /**
   * Writes a new provider file. With an id, one that exists in that scope is a conflict (409); without
   * one (Viben's desktop never sends one), the id is derived from the name, then the type, and numbered
   * until it is free.
   */
  async create(
    scope: Scope,
    id: string | undefined,
    fields: Partial<ProviderFields> & Pick<ProviderFields, "type">,
  ): Promise<ProviderRecord> {
    if (id !== undefined) {
      assertValidId(id, "id");
      const created = await this.createAt(scope, id, fields);
      if (created) return created;
      throw conflict("PROVIDER_EXISTS", `provider '${id}' already exists in the ${scope.kind} scope`, {
        provider_id: id,
      });
    }
    const base = idFromName(fields.name ?? "") || fields.type;
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base}-${n}`;
      // `default` is a route of its own (/api/providers/default), so a provider could not be reached by it.
      if (RESERVED_IDS.has(candidate)) continue;
      const created = await this.createAt(scope, candidate, fields);
      if (created) return created;
    }
  }

  private async createAt(
    scope: Scope,
    id: string,
    fields: Partial<ProviderFields> & Pick<ProviderFields, "type">,
  ): Promise<ProviderRecord | null> {
    const now = this.now().toISOString();
    const value: Record<string, unknown> = {
      name: fields.name ?? id,
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
      created_at: now,
      updated_at: now,
    };
    const key = providerKey(id);
    assertConnectable(parseConfig(id, value, key));
    const stored = await scope.store.createIfAbsent(key, value);
    return stored ? this.recordOf(scope, id, stored.data) : null;
  }

  /** Applies a shallow patch (`null` removes a field); keys written by hand are kept. */
  async update(record: ProviderRecord, patch: Record<string, unknown>): Promise<ProviderRecord> {
    this.assertHasFile(record);
    const key = providerKey(record.id);
    const stored = await record.scope.store.update(key, (doc) => {
      if (!doc) {
        throw notFound("PROVIDER_NOT_FOUND", `provider '${record.id}' not found`, { provider_id: record.id });
      }
      applyPatch(doc, { ...patch, updated_at: this.now().toISOString() });
      assertConnectable(parseConfig(record.id, yamlToObject(doc), key));
      return doc;
    });
    return this.recordOf(record.scope, record.id, stored!.data);
  }

  async remove(record: ProviderRecord): Promise<void> {
    this.assertHasFile(record);
    await record.scope.store.remove([providerKey(record.id)]);
  }

  private assertHasFile(record: ProviderRecord): void {
    if (record.source !== "builtin") return;
    throw conflict(
      "PROVIDER_BUILTIN",
      `provider '${record.id}' is built in and has no file; create one with POST /api/providers and id '${record.id}' to configure it`,
      { provider_id: record.id },
    );
  }

  private recordOf(scope: Scope, id: string, data: Record<string, unknown>): ProviderRecord {
    const key = providerKey(id);
    return {
      id,
      source: scope.kind,
      scope,
      configPath: scope.store.pathOf(key),
      config: parseConfig(id, data, key),
    };
  }

  private async load(scope: Scope, id: string): Promise<ProviderRecord | null> {
    const stored = await scope.store.read(providerKey(id));
    return stored ? this.recordOf(scope, id, stored.data) : null;
  }

  private async scopeEntries(scope: Scope): Promise<ScopeEntries> {
    const cached = this.parsed.get(scope);
    // Read the generation before loading: a change during the load leaves the entry stale, not wrong.
    const generation = scope.store.generationOf(PROVIDERS_BASE);
    if (cached && scope.store.cachesReads && cached.generation === generation) return cached.entries;
    const ids = (await scope.store.keys(PROVIDERS_BASE))
      .map((k) => /^([^:]+)\.yaml$/.exec(k)?.[1])
      .filter((id): id is string => id !== undefined);
    const loaded = await Promise.all(ids.map((id) => this.load(scope, id).catch((e: unknown) => e)));
    const entries: ScopeEntries = [];
    loaded.forEach((result, i) => {
      const id = ids[i]!;
      if (result instanceof StorageError) {
        entries.push({
          id,
          problem: { id, config_path: scope.store.pathOf(providerKey(id)), error: result.message },
        });
      } else if (result && !(result instanceof Error)) {
        entries.push({ id, record: result as ProviderRecord });
      }
    });
    if (scope.store.cachesReads) this.parsed.set(scope, { generation, entries });
    return entries;
  }
}
