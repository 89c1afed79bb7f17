import type { ProviderType } from "./provider-types.js";

/**
 * Providers that work without a file: each is configured by the environment alone (its API key, or
 * OLLAMA_HOST for a local Ollama). A provider file with the same id replaces the built-in entirely.
 */
export interface BuiltinProvider {
  id: string;
  name: string;
  type: ProviderType;
  /** Any one of these variables (first set wins) configures the provider; its value is the API key unless `keyless`. */
  envKeys: string[];
  /** Ollama needs no key: its variable only says that a server is expected. */
  keyless?: boolean;
  /** The API root, when the provider's SDK has no default of its own. */
  baseUrl?: (env: Readonly<Record<string, string | undefined>>) => string;
  /** A variable that overrides the API root (the SDK's own, so the gateway and the SDK agree). */
  baseUrlEnv?: string;
}

const OLLAMA_DEFAULT = "http://127.0.0.1:11434/v1";

/** Ollama's OLLAMA_HOST is `host:port`, a URL, or a bind address such as `0.0.0.0`. */
export function ollamaBaseUrl(host: string | undefined): string {
  const value = host?.trim();
  if (!value) return OLLAMA_DEFAULT;
  const withScheme = /^https?:\/\//.test(value) ? value : `http://${value}`;
  try {
    const url = new URL(withScheme);
    // A bind-all address is where the server listens, not where to reach it.
    if (url.hostname === "0.0.0.0" || url.hostname === "[::]") url.hostname = "127.0.0.1";
    if (!url.port && !/^https?:\/\//.test(value)) url.port = "11434";
    return `${url.origin}${url.pathname.replace(/\/+$/, "")}/v1`;
  } catch {
    return OLLAMA_DEFAULT;
  }
}

export const BUILTIN_PROVIDERS: readonly BuiltinProvider[] = [
  {
    id: "anthropic",
    name: "Anthropic",
    type: "anthropic",
    envKeys: ["ANTHROPIC_API_KEY"],
    baseUrlEnv: "ANTHROPIC_BASE_URL",
  },
  {
    id: "openai",
    name: "OpenAI",
    type: "openai",
    envKeys: ["OPENAI_API_KEY"],
    baseUrlEnv: "OPENAI_BASE_URL",
  },
  {
    id: "google",
    name: "Google",
    type: "openai-compatible",
    envKeys: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
    // Gemini's OpenAI-compatible endpoint.
    baseUrl: () => "https://generativelanguage.googleapis.com/v1beta/openai",
  },
  {
    id: "ollama",
    name: "Ollama",
    type: "openai-compatible",
    envKeys: ["OLLAMA_HOST"],
    keyless: true,
    baseUrl: (env) => ollamaBaseUrl(env.OLLAMA_HOST),
  },
];

export function findBuiltinProvider(id: string): BuiltinProvider | undefined {
  return BUILTIN_PROVIDERS.find((p) => p.id === id);
}

/** The variable that configures a built-in provider in this environment, if any is set. */
export function builtinEnvKey(
  builtin: BuiltinProvider,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  return builtin.envKeys.find((k) => Boolean(env[k]));
}
