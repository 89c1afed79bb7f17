import { expandEnv } from "./env.js";
import { StorageError } from "./errors.js";
import { GATEWAY_CONFIG_KEY } from "./gateway-listen.js";
import { compileHeartbeat, HeartbeatSectionSchema, type HeartbeatSettings } from "./heartbeat-config.js";
import { type BodyLimits, compileBodyLimits, LimitsSchema } from "./limits-settings.js";
import { compileQueueSettings, type QueueSettings, QueueSettingsSchema } from "./queue-settings.js";
import { compileRedisSettings, RedisSectionSchema, type RedisSettings } from "./redis-settings.js";
import { describeIssues } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import { compileTerminalSettings, type TerminalSettings, TerminalsSchema } from "./terminal-settings.js";
import { readRegisteredWorkspaces, WORKSPACES_KEY } from "./workspaces.js";
import { z } from "./zod.js";

export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

const BudgetLimitsSchema = {
  daily_cents: z.number().nonnegative().optional(),
  monthly_cents: z.number().nonnegative().optional(),
};

/** Spend limits in cents per UTC day and month, global and per agent id; runs past a limit are refused. */
export const BudgetsSchema = z
  .object({
    ...BudgetLimitsSchema,
    /** Fraction of a limit at which `budget_warning` is published. */
    warn_at: z.number().gt(0).max(1).default(0.8),
    agents: z.record(z.string().min(1), z.object(BudgetLimitsSchema).loose()).default({}),
  })
  .loose();

export type BudgetsConfig = z.infer<typeof BudgetsSchema>;

/** `sha256:<hex>`: a key created over the API is stored only as its digest (storage/api-keys.ts). */
export const KEY_HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** An API key: its secret written out (`key`, `${ENV}` allowed) or, for keys created over the API, its `hash`. */
const ApiKeyEntrySchema = z
  .object({
    name: z.string().min(1),
    key: z.string().min(1).optional(),
    hash: z.string().regex(KEY_HASH_PATTERN, "must be sha256:<64 hex digits>").optional(),
    role: z.enum(ROLES),
  })
  .loose()
  .refine((entry) => entry.key !== undefined || entry.hash !== undefined, {
    message: "needs key or hash",
    path: ["key"],
  });

export const GatewayConfigSchema = z
  .object({
    bind: z.string().min(1).optional(),
    port: z.number().int().min(0).max(65535).optional(),
    api_keys: z.array(ApiKeyEntrySchema).default([]),
    hooks: z
      .object({
        tokens: z.array(z.object({ name: z.string().min(1), token: z.string().min(1) }).loose()).default([]),
        /** Hosts besides loopback that webhook callbacks may be sent to ("*": any); see rules/callback-url.ts. */
        callback_hosts: z.array(z.string().min(1)).default([]),
      })
      .loose()
      .default({ tokens: [], callback_hosts: [] }),
    cors: z
      .object({ origins: z.array(z.string().min(1)).default([]) })
      .loose()
      .default({ origins: [] }),
    /** Where global agents may run (absolute paths); the home directory when absent. */
    workdir_roots: z.array(z.string().startsWith("/", "must be an absolute path")).optional(),
    runs: z
      .object({
        timeout_seconds: z.number().positive().optional(),
        stop_grace_ms: z.number().int().min(10).max(60_000).optional(),
      })
      .loose()
      .optional(),
    /** Extra Host header values accepted in no-key mode (e.g. a local DNS name). */
    allowed_hosts: z.array(z.string().min(1)).default([]),
    /** A periodic self-check: agent_id, prompt, interval, workdir, enabled, alert_on. */
    heartbeat: HeartbeatSectionSchema.optional(),
    /** Interactive terminals: grace_seconds, idle_timeout_seconds, max_per_client, replay_bytes. */
    terminals: TerminalsSchema.optional(),
    // An empty `budgets:` (every line commented out) reads as null: no budgets rather than an error.
    budgets: BudgetsSchema.nullish(),
    /** Run queue lanes and retries: concurrency, per_agent, per_workspace, backoff_ms, max_backoff_ms. */
    queue: QueueSettingsSchema.optional(),
    /** Request body limits per route family: body, prompt_body, webhook_body. */
    limits: LimitsSchema.nullish(),
    /** Refuse unknown request fields with 400 instead of ignoring them with a warning (`?strict=` overrides). */
    strict_input: z.boolean().optional(),
    /** Multi-instance mode: a redis:// URL, or { url, prefix, lease_ms } (`VIBEN_REDIS_URL` overrides). */
    redis: RedisSectionSchema.nullish(),
  })
  .loose();

export interface ApiKey {
  name: string;
  /** The secret, for keys written out in gateway.yaml. */
  key?: string;
  /** Hex SHA-256 of the secret, for keys stored as `hash:` (created over the API). */
  digest?: string;
  role: Role;
}

export interface GatewayConfig {
  bind?: string;
  port?: number;
  apiKeys: ApiKey[];
  hookTokens: { name: string; token: string }[];
  /** Hosts besides loopback that webhook callbacks may go to. */
  hookCallbackHosts: string[];
  corsOrigins: string[];
  allowedHosts: string[];
  workdirRoots?: string[];
  runTimeoutMs?: number;
  stopGraceMs?: number;
  /** Terminal limits, defaults filled in. */
  terminals: TerminalSettings;
  budgets?: BudgetsConfig;
  /** Run queue limits and retry policy, defaults filled in. */
  queue: QueueSettings;
  /** The heartbeat, when configured. */
  heartbeat?: HeartbeatSettings;
  /** Request body limits per route family, defaults filled in. */
  limits: BodyLimits;
  /** Refuse unknown request fields (gateway.yaml `strict_input`). */
  strictInput?: boolean;
  /** Multi-instance mode (gateway.yaml `redis:` or `VIBEN_REDIS_URL`); undefined when off. */
  redis?: RedisSettings;
  /** Human-readable problems that did not stop loading (e.g. a key whose env variable is unset). */
  warnings: string[];
}

export { GATEWAY_CONFIG_KEY } from "./gateway-listen.js";

/** Parses gateway.yaml data, expanding `${ENV}` in keys and tokens; entries whose variables are unset are dropped. */
export function compileGatewayConfig(
  data: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): GatewayConfig {
  const parsed = GatewayConfigSchema.safeParse(data);
  if (!parsed.success) {
    const { message, issues } = describeIssues(parsed.error);
    throw new StorageError("corrupt", "INVALID_GATEWAY_CONFIG", `gateway.yaml: ${message}`, { issues });
  }
  const warnings: string[] = [];
  const expand = (kind: string, name: string, raw: string): string | undefined => {
    const { value, missing } = expandEnv(raw, env);
    if (missing.length > 0 || value.length === 0) {
      warnings.push(
        `${kind} '${name}' skipped: environment variable ${missing.join(", ") || "value"} is not set`,
      );
      return undefined;
    }
    return value;
  };
  const apiKeys = parsed.data.api_keys.flatMap((k): ApiKey[] => {
    if (k.hash !== undefined) return [{ name: k.name, digest: k.hash.slice("sha256:".length), role: k.role }];
    const key = expand("api key", k.name, k.key ?? "");
    return key ? [{ name: k.name, key, role: k.role }] : [];
  });
  const hookTokens = parsed.data.hooks.tokens.flatMap((t) => {
    const token = expand("hook token", t.name, t.token);
    return token ? [{ name: t.name, token }] : [];
  });
  return {
    bind: parsed.data.bind,
    port: parsed.data.port,
    apiKeys,
    hookTokens,
    hookCallbackHosts: parsed.data.hooks.callback_hosts,
    corsOrigins: parsed.data.cors.origins,
    allowedHosts: parsed.data.allowed_hosts,
    workdirRoots: parsed.data.workdir_roots,
    runTimeoutMs: parsed.data.runs?.timeout_seconds ? parsed.data.runs.timeout_seconds * 1000 : undefined,
    stopGraceMs: parsed.data.runs?.stop_grace_ms,
    terminals: compileTerminalSettings(parsed.data.terminals),
    budgets: parsed.data.budgets ?? undefined,
    queue: compileQueueSettings(parsed.data.queue),
    heartbeat: compileHeartbeat(parsed.data.heartbeat),
    limits: compileBodyLimits(parsed.data.limits),
    strictInput: parsed.data.strict_input,
    redis: compileRedis(parsed.data.redis, env),
    warnings,
  };
}

function compileRedis(
  input: Parameters<typeof compileRedisSettings>[0],
  env: Readonly<Record<string, string | undefined>>,
): RedisSettings | undefined {
  try {
    return compileRedisSettings(input, env);
  } catch (error) {
    throw new StorageError("corrupt", "INVALID_GATEWAY_CONFIG", (error as Error).message);
  }
}

/** What a missing gateway.yaml reads as: one object, so the compiled defaults are reused (see load). */
const NO_FILE: Record<string, unknown> = Object.freeze({});

/**
 * Reads `~/.viben/gateway.yaml` on demand (the document cache makes this cheap), so edits apply without a
 * restart. A file broken by a hand edit keeps the last good configuration in force.
 */
export class GatewayConfigSource {
  private last: { data: Record<string, unknown>; config: GatewayConfig } | undefined;
  private lastGeneration = -1;
  // gateway.yaml's configuration with the registered workspaces added to its roots (see withRegistered).
  private merged: { config: GatewayConfig; base: GatewayConfig; paths: string } | undefined;
  private lastRegistryGeneration = -1;

  constructor(
    private readonly scope: Scope,
    private readonly env: Readonly<Record<string, string | undefined>>,
    private readonly onWarning: (message: string) => void = () => {},
  ) {}

  /** The compiled configuration without any I/O, when nothing under the root changed since the last get(). */
  peek(): GatewayConfig | undefined {
    const store = this.scope.store;
    return store.cachesReads &&
      store.generationOf(GATEWAY_CONFIG_KEY) === this.lastGeneration &&
      store.generationOf(WORKSPACES_KEY) === this.lastRegistryGeneration
      ? this.merged?.config
      : undefined;
  }

  async get(): Promise<GatewayConfig> {
    // Read before loading: a change during the load leaves the snapshot stale (re-read next time), not wrong.
    const generation = this.scope.store.generationOf(GATEWAY_CONFIG_KEY);
    const registryGeneration = this.scope.store.generationOf(WORKSPACES_KEY);
    const config = await this.withRegistered(await this.load());
    this.lastGeneration = generation;
    this.lastRegistryGeneration = registryGeneration;
    return config;
  }

  /**
   * Registered workspaces (workspaces.yaml) are allowed roots beside `workdir_roots` (or the home directory
   * when that is unset): registering is the admin's way to widen the roots, removing narrows them again.
   * Every check that reads `workdirRoots` sees them. An unreadable registry widens nothing.
   */
  private async withRegistered(base: GatewayConfig): Promise<GatewayConfig> {
    let paths: string[] = [];
    try {
      paths = (await readRegisteredWorkspaces(this.scope)).map((w) => w.path);
    } catch (error) {
      this.onWarning(
        `${WORKSPACES_KEY} unreadable, no registered workspace is allowed: ${(error as Error).message}`,
      );
    }
    const key = paths.join("\u0000");
    if (this.merged?.base === base && this.merged.paths === key) return this.merged.config;
    const roots =
      base.workdirRoots && base.workdirRoots.length > 0 ? base.workdirRoots : [this.scope.workspacePath];
    const config = paths.length === 0 ? base : { ...base, workdirRoots: [...new Set([...roots, ...paths])] };
    this.merged = { config, base, paths: key };
    return config;
  }

  private async load(): Promise<GatewayConfig> {
    let data: Record<string, unknown>;
    try {
      data = (await this.scope.store.read(GATEWAY_CONFIG_KEY))?.data ?? NO_FILE;
    } catch (error) {
      if (!this.last) throw error;
      this.onWarning(
        `gateway.yaml unreadable, keeping the previous configuration: ${(error as Error).message}`,
      );
      return this.last.config;
    }
    if (this.last?.data === data) return this.last.config;
    try {
      const config = compileGatewayConfig(data, this.env);
      for (const warning of config.warnings) this.onWarning(warning);
      this.last = { data, config };
      return config;
    } catch (error) {
      if (!this.last) throw error;
      this.onWarning(`${(error as Error).message}; keeping the previous configuration`);
      return this.last.config;
    }
  }
}
