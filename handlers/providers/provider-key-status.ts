import { z } from "@hono/zod-openapi";
import { expandEnv } from "../../storage/env.js";
import type { ProviderRecord } from "../../storage/providers.js";
import { resolveWorkspace } from "../../storage/rules/workspace.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent } from "../lib/schemas.js";

const KeyStatusSchema = z
  .object({
    providers: z.array(
      z.object({
        provider_id: z.string(),
        provider_name: z.string(),
        provider_type: z.string(),
        has_key: z
          .boolean()
          .openapi({ description: "A key is set and, when it is a ${NAME} reference, resolves" }),
        key_prefix: z.null().openapi({ description: "Always null: no part of a key leaves the gateway" }),
        doc_url: z.string().nullable().openapi({ description: "Where to get a key for this provider" }),
      }),
    ),
  })
  .openapi("ProviderKeyStatus");

// Where keys are issued, for the providers whose address says who they are.
const KEY_PAGES: Record<string, string> = {
  "api.anthropic.com": "https://console.anthropic.com/account/keys",
  "api.openai.com": "https://platform.openai.com/api-keys",
  "generativelanguage.googleapis.com": "https://aistudio.google.com/apikey",
  "api.groq.com": "https://console.groq.com/keys",
  "openrouter.ai": "https://openrouter.ai/keys",
  "api.x.ai": "https://console.x.ai",
};
const SDK_DEFAULT_HOST: Record<string, string> = { anthropic: "api.anthropic.com", openai: "api.openai.com" };

function docUrl(record: ProviderRecord): string | null {
  const { base_url: baseUrl, type } = record.config;
  let host = SDK_DEFAULT_HOST[type];
  if (baseUrl) {
    try {
      host = new URL(baseUrl).hostname;
    } catch {
      // Validated on write; a hand-edited file may still hold anything.
    }
  }
  return (host && KEY_PAGES[host]) ?? null;
}

/**
 * GET /api/providers/api-keys (Viben's desktop onboarding, `getApiKeyProviders`): which providers have
 * a key. Unlike Viben's server it never answers a key's first characters. Mounted before /{id}.
 */
export const providerKeyStatusRouter = createRouter().openapi(
  defineRoute("viewer", {
    method: "get",
    path: "/api-keys",
    operationId: "listProviderKeyStatus",
    tags: ["Providers"],
    summary: "Which providers have an API key (never the key)",
    responses: {
      200: jsonContent(KeyStatusSchema, "One entry per provider"),
      ...errorResponses(400),
    },
  }),
  async (c) => {
    const services = c.get("services");
    const ws = await resolveWorkspace(services, {});
    const { providers } = await services.providers.list(ws.scopes, services.env);
    const env = services.env;
    const entries = providers.map((record) => {
      const key = record.config.api_key;
      // A key made of ${NAME} references counts only when they are set: that is the key a call would use.
      const hasKey = key !== undefined && expandEnv(key, env).missing.length === 0;
      return {
        provider_id: record.id,
        provider_name: record.config.name ?? record.id,
        provider_type: record.config.type,
        has_key: hasKey,
        key_prefix: null,
        doc_url: docUrl(record),
      };
    });
    return c.json({ providers: entries }, 200);
  },
);
