import { GatewayConfigSchema } from "./gateway-config.js";
import { DEFAULT_BODY_LIMITS } from "./limits-settings.js";
import { DEFAULT_QUEUE_SETTINGS } from "./queue-settings.js";
import { TERMINAL_DEFAULTS } from "./terminal-settings.js";
import type { z } from "./zod.js";

/**
 * What each gateway.yaml setting means, by dotted path. The template below walks the schema itself, so a
 * setting added there without a line here shows up undescribed (test/storage/gateway-config-template.test.ts
 * fails), and one removed there leaves the template.
 */
export const GATEWAY_CONFIG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  bind: "Address to listen on (VIBEN_HOST overrides). Anything but loopback needs api_keys.",
  port: "Port to listen on (VIBEN_PORT and --port override); 0 picks a free one.",
  api_keys:
    "API keys and their roles (viewer, operator, admin). Without any, only loopback clients are served.\n" +
    "- { name: ci, key: ${VIBEN_CI_KEY}, role: operator }   # key: a secret or ${ENV}; or hash: sha256:<hex>",
  hooks: "Webhook intake (POST /hooks/...).",
  "hooks.tokens": "Tokens webhook senders present: - { name: github, token: ${GITHUB_HOOK_TOKEN} }",
  "hooks.callback_hosts": 'Hosts besides loopback that webhook callback_url may name ("*": any).',
  cors: "Cross-origin browser access.",
  "cors.origins": "Origins allowed to call the API from a browser, e.g. https://app.example.com",
  workdir_roots: "Absolute paths global agents may run in (the home directory when unset).",
  runs: "Executor runs.",
  "runs.timeout_seconds": "Stop a run after this many seconds (unset: no limit).",
  "runs.stop_grace_ms": "How long a stopped run gets between SIGTERM and SIGKILL.",
  allowed_hosts: "Extra Host header values accepted without API keys (e.g. a local DNS name).",
  heartbeat: "A periodic self-check run (off while this section is absent).",
  "heartbeat.enabled": "Whether the heartbeat runs.",
  "heartbeat.agent_id": "The agent that runs it (the default agent when unset).",
  "heartbeat.prompt": "What it asks (required when the section is present).",
  "heartbeat.interval": '"5m", "1h", or seconds.',
  "heartbeat.workdir": "Absolute path it runs in.",
  "heartbeat.alert_on": "Words in the answer that raise heartbeat_alert.",
  terminals: "Interactive terminals (/terminal/ws).",
  "terminals.grace_seconds": "How long a detached terminal lives on.",
  "terminals.idle_timeout_seconds": "Idle terminals are closed after this long.",
  "terminals.max_per_client": "Terminals one client may hold.",
  "terminals.replay_bytes": "Output replayed to a client that reattaches.",
  budgets: "Spend limits in cents per UTC day and month; runs past a limit are refused.",
  "budgets.daily_cents": "Global daily limit.",
  "budgets.monthly_cents": "Global monthly limit.",
  "budgets.warn_at": "Fraction of a limit at which budget_warning is published.",
  "budgets.agents": "Limits per agent id: { my-agent: { daily_cents: 500 } }",
  queue: "The run queue: lane limits and retries.",
  "queue.concurrency": "Jobs running at once, all lanes together.",
  "queue.per_agent": "Jobs of one agent running at once.",
  "queue.per_workspace": "Jobs of one workspace running at once.",
  "queue.backoff_ms": "First retry delay; doubled for each further attempt.",
  "queue.max_backoff_ms": "Upper bound of the retry delay.",
  "queue.retain_finished": "Finished jobs kept when the journal is compacted at start.",
  limits: "Request body limits: a number of bytes or e.g. 64KiB, 1MiB.",
  "limits.body": "Most JSON bodies.",
  "limits.prompt_body": "Bodies that carry a prompt (chat, runs).",
  "limits.webhook_body": "Webhook bodies.",
  strict_input: "Refuse unknown request fields with 400 instead of ignoring them (?strict= overrides).",
  redis:
    "Multi-instance mode (off when unset; VIBEN_REDIS_URL overrides): a redis:// URL, or\n" +
    "{ url: redis://127.0.0.1:6379, prefix: viben, lease_ms: 30000 }",
};

/** Defaults the gateway fills in when compiling the file (they are not zod defaults). */
function compiledDefaults(): Record<string, unknown> {
  const defaults: Record<string, unknown> = {
    bind: "127.0.0.1",
    port: 18790,
    "terminals.grace_seconds": TERMINAL_DEFAULTS.graceMs / 1000,
    "terminals.idle_timeout_seconds": TERMINAL_DEFAULTS.idleTimeoutMs / 1000,
    "terminals.max_per_client": TERMINAL_DEFAULTS.maxPerClient,
    "terminals.replay_bytes": TERMINAL_DEFAULTS.replayBytes,
  };
  for (const [key, value] of Object.entries(DEFAULT_QUEUE_SETTINGS)) defaults[`queue.${key}`] = value;
  for (const [key, value] of Object.entries(DEFAULT_BODY_LIMITS)) defaults[`limits.${key}`] = value;
  return defaults;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  defaultValue?: unknown;
  shape?: Record<string, z.ZodType>;
  options?: z.ZodType[];
}
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under optional/nullable/default wrappers, and the zod default if one of them gives it. */
function unwrap(schema: z.ZodType): { schema: z.ZodType; zodDefault?: unknown; hasDefault: boolean } {
  let current = schema;
  let zodDefault: unknown;
  let hasDefault = false;
  for (;;) {
    const def = defOf(current);
    if (def.type === "default" && !hasDefault) {
      hasDefault = true;
      zodDefault = def.defaultValue;
    }
    if (
      ["optional", "nullable", "default", "readonly", "nonoptional", "catch", "prefault"].includes(
        def.type,
      ) &&
      def.innerType
    )
      current = def.innerType;
    else if (def.type === "pipe" && def.in) current = def.in;
    else return { schema: current, zodDefault, hasDefault };
  }
}

/** Object settings of the schema, by dotted path, in the schema's order. */
export function gatewayConfigPaths(): string[] {
  const paths: string[] = [];
  const walk = (schema: z.ZodType, prefix: string) => {
    const inner = unwrap(schema).schema;
    const def = defOf(inner);
    if (def.type !== "object" || !def.shape) return;
    for (const [key, child] of Object.entries(def.shape)) {
      const path = prefix ? `${prefix}.${key}` : key;
      paths.push(path);
      // Records (budgets.agents) are keyed by the user: their entries are not settings.
      walk(child, path);
    }
  };
  walk(GatewayConfigSchema as unknown as z.ZodType, "");
  return paths;
}

// Descriptions of nested settings are comments inside the commented block (`#   # …`), so removing the
// leading `# ` of a block leaves valid YAML with its comments.
const comment = (text: string, indent: string) =>
  text
    .split("\n")
    .map((line) => (indent ? `# ${indent}# ${line}` : `# ${line}`))
    .join("\n");

function yamlScalar(value: unknown): string {
  if (typeof value === "string")
    return /^[\w./-]+$/.test(value) && !/^(true|false|null|\d.*)$/.test(value)
      ? value
      : JSON.stringify(value);
  return JSON.stringify(value);
}

/**
 * A commented gateway.yaml with every setting and its default, all commented out: the file changes
 * nothing until a line is uncommented. `viben config init` writes it.
 */
export function gatewayConfigTemplate(version: string): string {
  const defaults = compiledDefaults();
  const lines = [
    `# Viben Gateway settings (~/.viben/gateway.yaml), written by \`viben config init\` (version ${version}).`,
    "# Every setting is listed with its default and commented out: uncomment a line to change it.",
    "# Edits apply without a restart (bind and port at the next start). Check the file: viben config check",
    "# Secrets may be ${ENV} references.",
    "",
  ];
  const walk = (schema: z.ZodType, prefix: string, depth: number) => {
    const shape = defOf(unwrap(schema).schema).shape ?? {};
    const indent = "  ".repeat(depth);
    for (const [key, child] of Object.entries(shape)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const { schema: inner, zodDefault, hasDefault } = unwrap(child);
      const type = defOf(inner).type;
      const description = GATEWAY_CONFIG_DESCRIPTIONS[path];
      if (description) lines.push(comment(description, indent));
      if (type === "object") {
        lines.push(`# ${indent}${key}:`);
        walk(inner, path, depth + 1);
        if (depth === 0) lines.push("");
        continue;
      }
      const value =
        path in defaults
          ? yamlScalar(defaults[path])
          : hasDefault
            ? yamlScalar(zodDefault)
            : type === "array"
              ? "[]"
              : type === "record"
                ? "{}"
                : "";
      lines.push(`# ${indent}${key}:${value ? ` ${value}` : "   # (unset)"}`);
      if (depth === 0) lines.push("");
    }
  };
  walk(GatewayConfigSchema as unknown as z.ZodType, "", 0);
  return `${lines.join("\n").replace(/\n+$/, "")}\n`;
}
