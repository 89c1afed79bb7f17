import { z } from "@hono/zod-openapi";

/** What `POST /oauth/start` answers: where to send the user's browser. */
export const OAuthStartSchema = z
  .object({
    status: z.literal("started"),
    provider: z.string(),
    authorize_url: z.string().openapi({ description: "Open in a browser: the provider's consent page" }),
    /** OpenVesper's spelling of the same URL. */
    authorizeUrl: z.string(),
    state: z.string(),
    redirect_uri: z.string(),
    code_challenge_method: z.literal("S256"),
    expires_at: z.string().openapi({ description: "ISO time after which the callback is refused" }),
    message: z.string(),
  })
  .openapi("OAuthStart");

export type OAuthStart = z.infer<typeof OAuthStartSchema>;

/** A provider's stored tokens without their secrets; ours in snake_case beside OpenVesper's camelCase. */
export const OAuthTokenInfoSchema = z
  .object({
    provider: z.string(),
    token_type: z.string().optional(),
    scope: z.string().optional(),
    has_refresh_token: z.boolean(),
    saved_at: z.string(),
    expires_at: z.string().nullable(),
    refreshed_at: z.string().nullable(),
    refresh_count: z.number(),
    expired: z.boolean(),
    hasRefreshToken: z.boolean(),
    /** Epoch ms (OpenVesper). */
    expiresAt: z.number().optional(),
    savedAt: z.number(),
  })
  .openapi("OAuthTokenInfo");

export type OAuthTokenInfo = z.infer<typeof OAuthTokenInfoSchema>;

/** Query parameters the provider's redirect brings back to `GET /oauth/callback`. */
export type OAuthCallbackParams = URLSearchParams;

export interface OAuthStartInput {
  provider: string;
  /** Overrides the configured scopes for this flow. */
  scopes?: string[];
  /** The gateway's own callback URL as the client reached it (used unless the provider sets redirect_uri). */
  callbackUrl: string;
}

/**
 * OAuth 2.0 authorization-code flows with PKCE for the providers in gateway.yaml `oauth.providers`, and
 * the token store (Node): tokens are encrypted at rest and refreshed before they expire.
 */
export interface OAuthService {
  start(input: OAuthStartInput): Promise<OAuthStart>;
  /** Checks the state, exchanges the code and stores the tokens. */
  complete(params: OAuthCallbackParams): Promise<OAuthTokenInfo>;
  list(): Promise<OAuthTokenInfo[]>;
  /** Refreshes first when the access token is expired or about to be; null when none is stored. */
  get(provider: string): Promise<OAuthTokenInfo | null>;
  /** Revokes at the provider (when it has a revocation endpoint) and forgets the tokens; false when none. */
  revoke(provider: string): Promise<{ deleted: boolean; revoked: boolean; revocation_error?: string }>;
  /** Provider names configured in gateway.yaml. */
  configured(): Promise<string[]>;
}
