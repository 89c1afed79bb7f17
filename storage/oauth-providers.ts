import { expandEnv } from "./env.js";
import { invalid } from "./errors.js";
import { GATEWAY_CONFIG_KEY } from "./gateway-config.js";
import { idProblem } from "./ids.js";
import { describeIssues } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import { z } from "./zod.js";

const url = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const scopes = z.union([z.string(), z.array(z.string().min(1))]);

/**
 * One provider under gateway.yaml `oauth.providers.<name>`: our snake_case spelling, or OpenVesper's
 * camelCase (openvesper/openvesper apps/gateway/src/oauth.ts: authUrl, tokenUrl, clientId, clientSecret).
 * `client_secret` may be a `${ENV}` reference. PKCE (S256) is always used.
 */
export const OAuthProviderEntrySchema = z
  .object({
    authorize_url: url.optional(),
    authUrl: url.optional(),
    token_url: url.optional(),
    tokenUrl: url.optional(),
    /** RFC 7009 token revocation; DELETE only forgets the tokens when absent. */
    revocation_url: url.optional(),
    revokeUrl: url.optional(),
    client_id: z.string().min(1).optional(),
    clientId: z.string().min(1).optional(),
    client_secret: z.string().min(1).optional(),
    clientSecret: z.string().min(1).optional(),
    scopes: scopes.optional(),
    /** Where the provider sends the browser back; the gateway's own /oauth/callback when absent. */
    redirect_uri: url.optional(),
    /** Extra authorize-URL parameters (e.g. `access_type: offline` for Google). */
    authorize_params: z.record(z.string(), z.string()).optional(),
  })
  .loose();

export interface OAuthProviderConfig {
  name: string;
  authorizeUrl: string;
  tokenUrl: string;
  revocationUrl?: string;
  clientId: string;
  clientSecret?: string;
  scopes: string[];
  redirectUri?: string;
  authorizeParams: Record<string, string>;
}

/** Reads `oauth.providers` of gateway.yaml (the document cache makes this cheap). */
export async function readOAuthProviders(
  scope: Scope,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Map<string, OAuthProviderConfig>> {
  const data = (await scope.store.read(GATEWAY_CONFIG_KEY))?.data ?? {};
  return compileOAuthProviders(data.oauth, env);
}

export function compileOAuthProviders(
  section: unknown,
  env: Readonly<Record<string, string | undefined>>,
): Map<string, OAuthProviderConfig> {
  const providers = new Map<string, OAuthProviderConfig>();
  if (section === undefined || section === null) return providers;
  const raw = (section as { providers?: unknown }).providers;
  if (raw === undefined || raw === null) return providers;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw invalid("oauth.providers", "must be a map of provider name to its settings");
  }
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const field = `oauth.providers.${name}`;
    const problem = idProblem(name);
    if (problem) throw invalid(field, problem);
    const parsed = OAuthProviderEntrySchema.safeParse(value ?? {});
    if (!parsed.success) throw invalid(field, describeIssues(parsed.error).message);
    const p = parsed.data;
    const authorizeUrl = p.authorize_url ?? p.authUrl;
    const tokenUrl = p.token_url ?? p.tokenUrl;
    const clientId = p.client_id ?? p.clientId;
    if (!authorizeUrl) throw invalid(field, "authorize_url is required");
    if (!tokenUrl) throw invalid(field, "token_url is required");
    if (!clientId) throw invalid(field, "client_id is required");
    const secret = p.client_secret ?? p.clientSecret;
    const clientSecret = secret === undefined ? undefined : expandEnv(secret, env).value || undefined;
    const revocationUrl = p.revocation_url ?? p.revokeUrl;
    const scopeList = typeof p.scopes === "string" ? p.scopes.split(/\s+/).filter(Boolean) : (p.scopes ?? []);
    providers.set(name, {
      name,
      authorizeUrl,
      tokenUrl,
      clientId,
      scopes: scopeList,
      authorizeParams: p.authorize_params ?? {},
      ...(clientSecret ? { clientSecret } : {}),
      ...(revocationUrl ? { revocationUrl } : {}),
      ...(p.redirect_uri ? { redirectUri: p.redirect_uri } : {}),
    });
  }
  return providers;
}
