import { expandEnv } from "./env.js";
import { conflict, invalid, notFound, StorageError } from "./errors.js";
import { idProblem } from "./ids.js";
import { REDACTED, redactSecret } from "./rules/redact.js";
import type { Scope } from "./scopes.js";
import { yamlToObject } from "./yaml.js";
import { z } from "./zod.js";

/** `~/.viben/channels.yaml`: `channels: {<name>: {platform, enabled, agent, ...platform settings}}`. */
export const CHANNELS_KEY = "channels.yaml";

export const CHANNEL_PLATFORMS = ["telegram", "slack", "discord", "webhook"] as const;
export type ChannelPlatform = (typeof CHANNEL_PLATFORMS)[number];

/** Settings that hold credentials: stored as written (`${ENV}` references recommended), never answered. */
export const CHANNEL_SECRET_FIELDS = ["bot_token", "signing_secret", "webhook_secret", "secret"] as const;

const url = z
  .string()
  .url("must be an http(s) URL")
  .refine((u) => /^https?:\/\//i.test(u), "must be an http(s) URL");
const secret = z.string().min(1, "must not be empty").max(4096);
const chatId = z.union([z.string().min(1).max(200), z.number().int()]).transform(String);

const common = {
  enabled: z.boolean().optional(),
  /** The agent that answers this channel's messages (the default agent when absent). */
  agent: z.string().min(1).max(200).optional(),
  /** Where the agent is looked up and runs (the home directory when absent). */
  workspace_path: z.string().startsWith("/", "must be an absolute path").optional(),
  /** Where a run that names only the channel (a wake, a cron job) delivers its answer. */
  chat_id: chatId.optional(),
};

/** Each platform's settings; unknown keys a user wrote by hand are kept in the file. */
export const ChannelSettingsSchemas = {
  telegram: z
    .object({
      ...common,
      platform: z.literal("telegram"),
      bot_token: secret,
      /** `polling` (getUpdates, the default) or `webhook` (Telegram POSTs to /api/channels/{name}/events). */
      mode: z.enum(["polling", "webhook"]).optional(),
      webhook_secret: secret.optional(),
      api_root: url.optional(),
    })
    .loose(),
  slack: z
    .object({
      ...common,
      platform: z.literal("slack"),
      bot_token: secret,
      signing_secret: secret.optional(),
      api_url: url.optional(),
    })
    .loose(),
  discord: z
    .object({
      ...common,
      platform: z.literal("discord"),
      bot_token: secret,
      /** The application's Ed25519 public key (hex), for the interactions endpoint. */
      public_key: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/, "must be the 64 hex digits shown as PUBLIC KEY")
        .optional(),
      api_url: url.optional(),
    })
    .loose(),
  webhook: z
    .object({
      ...common,
      platform: z.literal("webhook"),
      url: url,
      secret: secret,
      /** Attempts per delivery before it fails (default 8). */
      max_attempts: z.number().int().min(1).max(50).optional(),
    })
    .loose(),
} as const;

export const ChannelConfigSchema = z.discriminatedUnion("platform", [
  ChannelSettingsSchemas.telegram,
  ChannelSettingsSchemas.slack,
  ChannelSettingsSchemas.discord,
  ChannelSettingsSchemas.webhook,
]);

export type ChannelConfig = z.infer<typeof ChannelConfigSchema>;

export interface ChannelRecord {
  name: string;
  enabled: boolean;
  config: ChannelConfig;
}

/** A channel whose file entry does not validate: listed with its problem, never started. */
export interface ChannelProblem {
  name: string;
  platform?: string;
  error: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** A channel name becomes a URL segment and a key part: the id rules apply (any Unicode, no separators). */
export function assertChannelName(name: unknown): string {
  const problem = idProblem(name);
  if (problem) throw invalid("name", problem);
  return name as string;
}

function parseEntry(name: string, value: unknown): ChannelRecord | ChannelProblem {
  const parsed = ChannelConfigSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "platform";
    const platform = (value as { platform?: unknown } | null)?.platform;
    return {
      name,
      ...(typeof platform === "string" ? { platform } : {}),
      error: `${field}: ${issue?.message ?? "invalid"}`,
    };
  }
  return { name, enabled: parsed.data.enabled !== false, config: parsed.data };
}

export const isChannelProblem = (entry: ChannelRecord | ChannelProblem): entry is ChannelProblem =>
  "error" in entry;

/** The settings as answered: every secret masked unless it is a `${VAR}` reference. */
export function redactChannelConfig(config: Record<string, unknown>): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...config };
  for (const field of CHANNEL_SECRET_FIELDS) {
    if (typeof shown[field] === "string") shown[field] = redactSecret(shown[field] as string);
  }
  if (shown.headers && typeof shown.headers === "object") {
    shown.headers = Object.fromEntries(Object.keys(shown.headers as object).map((k) => [k, REDACTED]));
  }
  return shown;
}

/** A channel's settings with `${ENV}` references expanded; a missing variable is an error naming it. */
export function expandChannelSecrets<T extends Record<string, unknown>>(config: T, env: Env): T {
  const expanded: Record<string, unknown> = { ...config };
  for (const [field, value] of Object.entries(config)) {
    if (typeof value !== "string") continue;
    const { value: out, missing } = expandEnv(value, env);
    if (missing.length > 0) {
      throw new StorageError(
        "validation",
        "CHANNEL_ENV_MISSING",
        `${field}: environment variable ${missing.join(", ")} is not set`,
        { field, missing },
      );
    }
    expanded[field] = out;
  }
  return expanded as T;
}

/**
 * The channel configuration file. Updates are applied onto the parsed YAML document, so comments and
 * keys written by hand survive; a secret sent back masked (`***`) keeps its stored value.
 */
export class ChannelRepository {
  constructor(private readonly scope: Scope) {}

  async list(): Promise<(ChannelRecord | ChannelProblem)[]> {
    const doc = await this.scope.store.read(CHANNELS_KEY);
    const channels = doc?.data.channels;
    if (!channels || typeof channels !== "object" || Array.isArray(channels)) return [];
    return Object.entries(channels as Record<string, unknown>).map(([name, value]) =>
      parseEntry(name, value),
    );
  }

  async get(name: string): Promise<ChannelRecord | ChannelProblem | null> {
    return (await this.list()).find((c) => c.name === name) ?? null;
  }

  async require(name: string): Promise<ChannelRecord> {
    const entry = await this.get(name);
    if (!entry) throw notFound("CHANNEL_NOT_FOUND", `channel '${name}' not found`, { name });
    if (isChannelProblem(entry)) {
      throw new StorageError("corrupt", "INVALID_CHANNEL_CONFIG", `channels.yaml: ${name}: ${entry.error}`, {
        name,
      });
    }
    return entry;
  }

  /** Creates a channel; refused when the name is taken. */
  async create(name: string, settings: Record<string, unknown>): Promise<ChannelRecord> {
    assertChannelName(name);
    const config = validate(settings);
    await this.scope.store.update(CHANNELS_KEY, (doc) => {
      const current = doc ?? this.scope.store.emptyDocument();
      if (current.hasIn(["channels", name]))
        throw conflict("CHANNEL_EXISTS", `channel '${name}' already exists`, { name });
      if (!current.has("channels")) current.set("channels", current.createNode({}));
      current.setIn(["channels", name], current.createNode(config));
      return current;
    });
    return { name, enabled: config.enabled !== false, config };
  }

  /** Merges `patch` into a channel (`null` removes an optional setting) and validates the result. */
  async update(name: string, patch: Record<string, unknown>): Promise<ChannelRecord> {
    let result: ChannelRecord | undefined;
    await this.scope.store.update(CHANNELS_KEY, (doc) => {
      if (!doc?.hasIn(["channels", name]))
        throw notFound("CHANNEL_NOT_FOUND", `channel '${name}' not found`, { name });
      const stored = (yamlToObject(doc).channels as Record<string, Record<string, unknown>>)[name] ?? {};
      const restored = Object.fromEntries(
        Object.entries(patch).map(([k, v]) => [k, v === REDACTED && k in stored ? stored[k] : v]),
      );
      const merged: Record<string, unknown> = { ...stored };
      for (const [k, v] of Object.entries(restored)) {
        if (v === undefined) continue;
        if (v === null) delete merged[k];
        else merged[k] = v;
      }
      const config = validate(merged);
      // Key by key into the existing node, so comments inside the entry stay where they were.
      for (const [k, v] of Object.entries(restored)) {
        if (v === undefined) continue;
        if (v === null) doc.deleteIn(["channels", name, k]);
        else doc.setIn(["channels", name, k], doc.createNode(v));
      }
      result = { name, enabled: config.enabled !== false, config };
      return doc;
    });
    return result!;
  }

  async remove(name: string): Promise<void> {
    let found = false;
    await this.scope.store.update(CHANNELS_KEY, (doc) => {
      if (!doc?.hasIn(["channels", name])) return null;
      found = true;
      doc.deleteIn(["channels", name]);
      return doc;
    });
    if (!found) throw notFound("CHANNEL_NOT_FOUND", `channel '${name}' not found`, { name });
  }
}

function validate(settings: Record<string, unknown>): ChannelConfig {
  const platform = settings.platform;
  if (typeof platform !== "string" || !(CHANNEL_PLATFORMS as readonly string[]).includes(platform)) {
    throw invalid("platform", `must be one of ${CHANNEL_PLATFORMS.join(", ")}`);
  }
  const parsed = ChannelConfigSchema.safeParse(settings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(issue?.path.join(".") || "(root)", issue?.message ?? "invalid");
  }
  return parsed.data;
}
