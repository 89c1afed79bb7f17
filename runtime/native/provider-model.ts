import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModel } from "ai";
import type { ResolvedProvider } from "../../storage/provider-types.js";

/** Why the provider cannot be called at all, or undefined when it can. */
export function providerProblem(provider: ResolvedProvider): string | undefined {
  if (provider.type === "openai-compatible" && !provider.base_url) {
    return `provider '${provider.id}' (openai-compatible) has no base_url`;
  }
  return undefined;
}

/**
 * The SDK model for a provider:
 * - `anthropic`: the Messages API. `base_url` may be given with or without the trailing `/v1` (the SDK
 *   wants it, ANTHROPIC_BASE_URL-style settings leave it out).
 * - `openai`: the Responses API, OpenAI's current one (some models are served only there).
 * - `openai-compatible`: Chat Completions at `base_url`, asking for usage in the stream.
 * Without `api_key`, the anthropic and openai SDKs fall back to ANTHROPIC_API_KEY / OPENAI_API_KEY.
 */
export function createLanguageModel(provider: ResolvedProvider, modelId: string): LanguageModel {
  const baseURL = provider.base_url?.replace(/\/+$/, "");
  const common = { apiKey: provider.api_key, headers: provider.headers };
  switch (provider.type) {
    case "anthropic":
      return createAnthropic({
        ...common,
        baseURL: baseURL && !/\/v1$/.test(baseURL) ? `${baseURL}/v1` : baseURL,
      }).messages(modelId);
    case "openai":
      return createOpenAI({ ...common, baseURL }).responses(modelId);
    case "openai-compatible": {
      const problem = providerProblem(provider);
      if (problem || !baseURL) throw new Error(problem);
      return createOpenAICompatible({ ...common, name: provider.id, baseURL, includeUsage: true }).chatModel(
        modelId,
      );
    }
  }
}
