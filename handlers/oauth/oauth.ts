import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { DomainError } from "../../storage/errors.js";
import { idSchema } from "../../storage/schema-helpers.js";
import { OAuthStartSchema, OAuthTokenInfoSchema } from "../capabilities/oauth.js";
import type { AppEnv } from "../context.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";

const TAGS = ["OAuth"];

/** Where each family lives: OpenVesper's literal `/oauth` and our `/api/oauth` (operationIds differ). */
export type OAuthHome = "root" | "api";
const PREFIX: Record<OAuthHome, string> = { root: "/oauth", api: "/api/oauth" };
const opId = (home: OAuthHome, name: string) =>
  home === "root" ? name.replace("OAuth", "OpenVesperOAuth") : name;

const StartBodySchema = z
  .object({
    provider: idSchema.openapi({ description: "A provider under oauth.providers in gateway.yaml" }),
    scopes: z
      .array(z.string().min(1).max(500))
      .max(100)
      .optional()
      .openapi({ description: "Scopes for this sign-in; the configured ones when absent" }),
  })
  .openapi("OAuthStartRequest");

const ProviderParams = z.object({
  provider: idSchema.openapi({ param: { name: "provider", in: "path" }, example: "github" }),
});

const TokenListSchema = z
  .object({
    /** OpenVesper's answer: the providers with stored tokens. */
    providers: z.array(z.string()),
    tokens: z.array(OAuthTokenInfoSchema),
    configured: z.array(z.string()).openapi({ description: "Providers configured in gateway.yaml" }),
  })
  .openapi("OAuthTokenList");

const RevokeSchema = z
  .object({
    deleted: z.boolean(),
    revoked: z.boolean().openapi({ description: "The provider's revocation endpoint accepted the tokens" }),
    revocation_error: z.string().optional(),
  })
  .openapi("OAuthRevoke");

/** A provider that could not be reached or answered nonsense is a bad gateway, not bad input. */
async function upstream<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DomainError && error.code === "OAUTH_PROVIDER_ERROR") {
      throw new ApiError(502, error.code, error.message, error.details);
    }
    throw error;
  }
}

const tokensNotFound = (provider: string) =>
  new ApiError(404, "OAUTH_TOKENS_NOT_FOUND", `no OAuth tokens stored for '${provider}'`, { provider });

/** The callback URL of this family as the client reached the gateway. */
const callbackUrl = (c: Context<AppEnv>, home: OAuthHome) =>
  `${new URL(c.req.url).origin}${PREFIX[home]}/callback`;

/**
 * /oauth and /api/oauth: start a sign-in (authorization code with PKCE), list, read and revoke the stored
 * tokens. Secrets never appear in an answer: only times, scope and whether a refresh token exists.
 */
export const createOAuthRouter = (home: OAuthHome) =>
  createRouter()
    .openapi(
      defineRoute("operator", {
        method: "post",
        path: "/start",
        operationId: opId(home, "startOAuth"),
        tags: TAGS,
        summary: "Begin an OAuth sign-in: the authorize URL to open (state and S256 code challenge set)",
        request: { body: jsonBody(StartBodySchema) },
        responses: {
          200: jsonContent(OAuthStartSchema, "Open authorize_url in a browser"),
          ...errorResponses(400, 404, 501),
        },
      }),
      async (c) => {
        const { provider, scopes } = c.req.valid("json");
        const oauth = requireCapability(c.get("services"), "oauth");
        const started = await oauth.start({
          provider,
          ...(scopes ? { scopes } : {}),
          callbackUrl: callbackUrl(c, home),
        });
        return c.json(started, 200);
      },
    )
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/tokens",
        operationId: opId(home, "listOAuthTokens"),
        tags: TAGS,
        summary: "Providers with stored tokens (no secrets) and those configured",
        responses: { 200: jsonContent(TokenListSchema, "Stored tokens"), ...errorResponses(501) },
      }),
      async (c) => {
        const oauth = requireCapability(c.get("services"), "oauth");
        const [tokens, configured] = await Promise.all([oauth.list(), oauth.configured()]);
        return c.json({ providers: tokens.map((t) => t.provider), tokens, configured }, 200);
      },
    )
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/tokens/{provider}",
        operationId: opId(home, "getOAuthTokens"),
        tags: TAGS,
        summary: "One provider's tokens without secrets (refreshed first when about to expire)",
        request: { params: ProviderParams },
        responses: {
          200: jsonContent(OAuthTokenInfoSchema, "The tokens' times and scope"),
          ...errorResponses(400, 404, 501),
        },
      }),
      async (c) => {
        const { provider } = c.req.valid("param");
        const info = await upstream(() => requireCapability(c.get("services"), "oauth").get(provider));
        if (!info) throw tokensNotFound(provider);
        return c.json(info, 200);
      },
    )
    .openapi(
      defineRoute("operator", {
        method: "delete",
        path: "/tokens/{provider}",
        operationId: opId(home, "revokeOAuthTokens"),
        tags: TAGS,
        summary: "Revoke a provider's tokens (at its revocation endpoint, if configured) and forget them",
        request: { params: ProviderParams },
        responses: {
          200: jsonContent(RevokeSchema, "Forgotten, and whether the provider revoked them"),
          ...errorResponses(400, 404, 501),
        },
      }),
      async (c) => {
        const { provider } = c.req.valid("param");
        const result = await requireCapability(c.get("services"), "oauth").revoke(provider);
        if (!result.deleted) throw tokensNotFound(provider);
        return c.json(result, 200);
      },
    );

const CallbackQuery = z.object({
  state: z.string().max(2000).optional(),
  code: z.string().max(8000).optional(),
  error: z.string().max(2000).optional(),
  error_description: z.string().max(4000).optional(),
  iss: z.string().max(2000).optional(),
});

/**
 * `GET /oauth/callback`: where the provider sends the browser back. Public (mounted ahead of the API-key
 * check, as a browser carries no key): the one-time state the gateway handed out is its credential.
 * A browser gets a short page; other clients the token summary as JSON.
 */
export const createOAuthCallbackRouter = (home: OAuthHome) =>
  createRouter().openapi(
    defineRoute("public", {
      method: "get",
      path: "/",
      operationId: opId(home, "completeOAuth"),
      tags: TAGS,
      summary: "The provider's redirect back: checks state, exchanges the code, stores the tokens",
      security: [],
      request: { query: CallbackQuery },
      responses: {
        200: {
          description: "Signed in: the tokens' summary (JSON), or a page for a browser",
          content: {
            "application/json": { schema: OAuthTokenInfoSchema },
            "text/html": { schema: z.string() },
          },
        },
        ...errorResponses(400, 404, 501, 502),
      },
    }),
    async (c) => {
      c.req.valid("query");
      const oauth = requireCapability(c.get("services"), "oauth");
      const params = new URL(c.req.url).searchParams;
      const info = await upstream(() => oauth.complete(params));
      if ((c.req.header("accept") ?? "").includes("text/html")) {
        return c.html(
          `<!doctype html><meta charset="utf-8"><title>Signed in</title><p>Signed in to <b>${escapeHtml(info.provider)}</b>. You can close this tab.</p>`,
          200,
        );
      }
      return c.json(info, 200);
    },
  );

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
