/** Built-in models, used when `~/.viben/models.yaml` does not exist. Prices in cents per million tokens. */
export interface ModelEntry {
  id: string;
  name: string;
  provider_id: string;
  context_window: number;
  max_output_tokens?: number;
  pricing?: { input: number; output: number; cache_read?: number; cache_write?: number };
}

export const BUILTIN_PROVIDER_NAMES: Record<string, string> = {
  anthropic: "Anthropic",
  openai: "OpenAI",
  google: "Google",
  ollama: "Ollama",
};

export const BUILTIN_MODELS: ModelEntry[] = [
  {
    id: "claude-opus-4-1",
    name: "Claude Opus 4.1",
    provider_id: "anthropic",
    context_window: 200_000,
    pricing: { input: 1500, output: 7500, cache_read: 150, cache_write: 1875 },
  },
  {
    id: "claude-sonnet-4-5",
    name: "Claude Sonnet 4.5",
    provider_id: "anthropic",
    context_window: 200_000,
    pricing: { input: 300, output: 1500, cache_read: 30, cache_write: 375 },
  },
  {
    id: "claude-haiku-4-5",
    name: "Claude Haiku 4.5",
    provider_id: "anthropic",
    context_window: 200_000,
    pricing: { input: 100, output: 500, cache_read: 10, cache_write: 125 },
  },
  {
    id: "claude-3-5-sonnet-20241022",
    name: "Claude 3.5 Sonnet",
    provider_id: "anthropic",
    context_window: 200_000,
    pricing: { input: 300, output: 1500, cache_read: 30, cache_write: 375 },
  },
  {
    id: "gpt-5",
    name: "GPT-5",
    provider_id: "openai",
    context_window: 400_000,
    pricing: { input: 125, output: 1000, cache_read: 12.5 },
  },
  {
    id: "gpt-5-mini",
    name: "GPT-5 mini",
    provider_id: "openai",
    context_window: 400_000,
    pricing: { input: 25, output: 200, cache_read: 2.5 },
  },
  {
    id: "gpt-4.1",
    name: "GPT-4.1",
    provider_id: "openai",
    context_window: 1_047_576,
    pricing: { input: 200, output: 800, cache_read: 50 },
  },
  {
    id: "gpt-4o",
    name: "GPT-4o",
    provider_id: "openai",
    context_window: 128_000,
    pricing: { input: 250, output: 1000, cache_read: 125 },
  },
  {
    id: "o4-mini",
    name: "o4-mini",
    provider_id: "openai",
    context_window: 200_000,
    pricing: { input: 110, output: 440, cache_read: 27.5 },
  },
  {
    id: "gemini-2.5-pro",
    name: "Gemini 2.5 Pro",
    provider_id: "google",
    context_window: 1_048_576,
    pricing: { input: 125, output: 1000 },
  },
  {
    id: "gemini-2.5-flash",
    name: "Gemini 2.5 Flash",
    provider_id: "google",
    context_window: 1_048_576,
    pricing: { input: 30, output: 250 },
  },
  {
    id: "llama3.1:8b",
    name: "Llama 3.1 8B (Ollama)",
    provider_id: "ollama",
    context_window: 131_072,
    pricing: { input: 0, output: 0 },
  },
];

/** Environment variables whose presence counts as a configured built-in provider. */
export const PROVIDER_ENV_KEYS: Record<string, string[]> = {
  anthropic: ["ANTHROPIC_API_KEY"],
  openai: ["OPENAI_API_KEY"],
  google: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
  ollama: ["OLLAMA_HOST"],
};

/** Prices of a built-in model by id, if known. */
export function findModelPricing(modelId: string | undefined): ModelEntry["pricing"] | undefined {
  return modelId ? BUILTIN_MODELS.find((m) => m.id === modelId)?.pricing : undefined;
}
