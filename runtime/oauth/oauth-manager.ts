import type { Logger } from "../../handlers/capabilities/logger.js";
import type {
  OAuthService,
  OAuthStart,
  OAuthStartInput,
  OAuthTokenInfo,
} from "../../handlers/capabilities/oauth.js";
import { DomainError, notFound } from "../../storage/errors.js";
import { assertValidId } from "../../storage/ids.js";
import type { OAuthProviderConfig } from "../../storage/oauth-providers.js";
import type { OAuthTokenRepository, StoredOAuthTokens } from "../../storage/oauth-tokens.js";
import { isLoopbackAddress } from "../../storage/rules/loopback.js";
import type { TokenCipher, TokenSecrets } from "./token-cipher.js";

type OAuthLib = typeof import("oauth4webapi");

/** How long a started flow waits for its callback. */
const FLOW_TTL_MS = 10 * 60_000;
/** Started flows kept at once; the oldest is dropped past it (each is a few hundred bytes). */
const MAX_PENDING_FLOWS = 100;
/** Refresh this long before expiry, or half the token's lifetime when that is shorter. */
const REFRESH_MARGIN_MS = 60_000;
/** `setTimeout` takes at most this many milliseconds; later refreshes re-arm when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Timer {
  cancel(): void;
}

export interface OAuthManagerOptions {
  providers: () => Promise<Map<string, OAuthProviderConfig>>;
  tokens: OAuthTokenRepository;
  cipher: TokenCipher;
  logger: Logger;
  /** Epoch ms; tests move it forward to make tokens expire. */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => Timer;
  /** The OAuth client library, loaded on first use (it is not needed to answer anything else). */
  loadLibrary?: () => Promise<OAuthLib>;
}

interface PendingFlow {
  provider: string;
  verifier: string;
  redirectUri: string;
  expiresAt: number;
}

const defaultTimer = (fn: () => void, ms: number): Timer => {
  const handle = setTimeout(fn, ms);
  handle.unref?.();
  return { cancel: () => clearTimeout(handle) };
};

/**
 * Authorization-code flows with PKCE (S256) over oauth4webapi, and the encrypted token store. A flow's
 * state and code verifier live in memory only until its callback (or 10 minutes): a restart means
 * starting over, which is what a user does anyway. Tokens are refreshed by a timer before they expire
 * and, should the timer not have run (the machine slept, the clock moved), when they are read.
 */
export class OAuthManager implements OAuthService {
  private readonly pending = new Map<string, PendingFlow>();
  private readonly timers = new Map<string, Timer>();
  private readonly refreshing = new Map<string, Promise<StoredOAuthTokens>>();
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => Timer;
  private library: Promise<OAuthLib> | undefined;
  private stopped = false;

  constructor(private readonly options: OAuthManagerOptions) {
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? defaultTimer;
  }

  /** Arms refresh timers for the tokens already stored (after the server listens). */
  async armStoredTokens(): Promise<void> {
    for (const provider of await this.options.tokens.providers()) {
      const record = await this.options.tokens.get(provider).catch(() => null);
      if (record) this.arm(record);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }

  async configured(): Promise<string[]> {
    return [...(await this.options.providers()).keys()].sort();
  }

  start(input: OAuthStartInput): Promise<OAuthStart> {
    return this.begin(input);
  }

  async complete(params: URLSearchParams): Promise<OAuthTokenInfo> {
    const stateValue = params.get("state");
    if (!stateValue) throw callbackError("OAUTH_STATE_MISSING", "the callback carries no state parameter");
    this.dropExpiredFlows();
    const flow = this.pending.get(stateValue);
    if (!flow) {
      throw callbackError(
        "OAUTH_STATE_INVALID",
        "unknown or expired state: this sign-in was not started here, was already completed, or took longer than 10 minutes; start again",
      );
    }
    // One use only, whatever happens next.
    this.pending.delete(stateValue);
    const providerError = params.get("error");
    if (providerError) {
      const description = params.get("error_description");
      throw callbackError(
        "OAUTH_AUTHORIZATION_DENIED",
        `${flow.provider} refused the authorization: ${providerError}${description ? ` (${description})` : ""}`,
        { provider: flow.provider, error: providerError },
      );
    }
    const provider = await this.provider(flow.provider);
    const lib = await this.lib();
    const { as, client, auth, options } = this.endpoints(lib, provider);
    const response = await this.call(provider, "token exchange", async () => {
      const callback = lib.validateAuthResponse(as, client, params, stateValue);
      const answer = await lib.authorizationCodeGrantRequest(
        as,
        client,
        auth,
        callback,
        flow.redirectUri,
        flow.verifier,
        options,
      );
      return lib.processAuthorizationCodeResponse(as, client, answer);
    });
    const record = await this.store(provider.name, response, undefined, undefined);
    this.options.logger.info({ msg: "oauth tokens stored", provider: provider.name });
    return this.info(record);
  }

  async list(): Promise<OAuthTokenInfo[]> {
    const infos: OAuthTokenInfo[] = [];
    for (const provider of await this.options.tokens.providers()) {
      const record = await this.options.tokens.get(provider);
      if (record) infos.push(this.info(record));
    }
    return infos;
  }

  async get(provider: string): Promise<OAuthTokenInfo | null> {
    assertValidId(provider, "provider");
    let record = await this.options.tokens.get(provider);
    if (!record) return null;
    if (this.dueForRefresh(record)) {
      try {
        record = await this.refresh(provider);
      } catch (error) {
        // The stored tokens stay as they are; the answer shows them expired.
        this.options.logger.warn({
          msg: "oauth refresh on read failed",
          provider,
          error: (error as Error).message,
        });
      }
    }
    return this.info(record);
  }

  /** The current access token for a provider (refreshed first when due); for the gateway's own use. */
  async accessToken(provider: string): Promise<string | null> {
    let record = await this.options.tokens.get(provider);
    if (!record) return null;
    if (this.dueForRefresh(record)) record = await this.refresh(provider);
    return (await this.secrets(record)).access_token;
  }

  async revoke(provider: string): Promise<{ deleted: boolean; revoked: boolean; revocation_error?: string }> {
    assertValidId(provider, "provider");
    const record = await this.options.tokens.get(provider);
    if (!record) return { deleted: false, revoked: false };
    this.timers.get(provider)?.cancel();
    this.timers.delete(provider);
    let revoked = false;
    let revocationError: string | undefined;
    const config = (await this.options.providers()).get(provider);
    if (config?.revocationUrl) {
      try {
        const secrets = await this.secrets(record);
        const lib = await this.lib();
        const { as, client, auth, options } = this.endpoints(lib, config);
        // The refresh token first: revoking it ends the grant (RFC 7009 §2.1), then the access token.
        const tokens: [string, string][] = [];
        if (secrets.refresh_token) tokens.push([secrets.refresh_token, "refresh_token"]);
        tokens.push([secrets.access_token, "access_token"]);
        for (const [token, hint] of tokens) {
          await this.call(config, "revocation", async () => {
            const answer = await lib.revocationRequest(as, client, auth, token, {
              ...options,
              additionalParameters: { token_type_hint: hint },
            });
            await lib.processRevocationResponse(answer);
          });
        }
        revoked = true;
      } catch (error) {
        revocationError = (error as Error).message;
        this.options.logger.warn({ msg: "oauth revocation failed", provider, error: revocationError });
      }
    }
    // Forgotten here whatever the provider said: the user asked for the gateway to stop using them.
    await this.options.tokens.remove(provider);
    return { deleted: true, revoked, ...(revocationError ? { revocation_error: revocationError } : {}) };
  }

  /** Refreshes a provider's tokens now; concurrent callers share one request. */
  refresh(provider: string): Promise<StoredOAuthTokens> {
    const running = this.refreshing.get(provider);
    if (running) return running;
    const work = this.doRefresh(provider).finally(() => this.refreshing.delete(provider));
    this.refreshing.set(provider, work);
    return work;
  }

  private async begin(input: OAuthStartInput): Promise<OAuthStart> {
    const provider = await this.provider(input.provider);
    const lib = await this.lib();
    const state = lib.generateRandomState();
    const verifier = lib.generateRandomCodeVerifier();
    const challenge = await lib.calculatePKCECodeChallenge(verifier);
    const redirectUri = provider.redirectUri ?? input.callbackUrl;
    const url = new URL(provider.authorizeUrl);
    for (const [name, value] of Object.entries(provider.authorizeParams)) url.searchParams.set(name, value);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("client_id", provider.clientId);
    url.searchParams.set("redirect_uri", redirectUri);
    const scopes = input.scopes ?? provider.scopes;
    if (scopes.length > 0) url.searchParams.set("scope", scopes.join(" "));
    url.searchParams.set("state", state);
    url.searchParams.set("code_challenge", challenge);
    url.searchParams.set("code_challenge_method", "S256");
    this.dropExpiredFlows();
    while (this.pending.size >= MAX_PENDING_FLOWS) {
      const oldest = this.pending.keys().next().value;
      if (oldest === undefined) break;
      this.pending.delete(oldest);
    }
    const expiresAt = this.now() + FLOW_TTL_MS;
    this.pending.set(state, { provider: provider.name, verifier, redirectUri, expiresAt });
    const authorizeUrl = url.toString();
    return {
      status: "started",
      provider: provider.name,
      authorize_url: authorizeUrl,
      authorizeUrl,
      state,
      redirect_uri: redirectUri,
      code_challenge_method: "S256",
      expires_at: new Date(expiresAt).toISOString(),
      message: `Open authorize_url in a browser to sign in to ${provider.name}; the provider sends you back to ${redirectUri}`,
    };
  }

  private async doRefresh(name: string): Promise<StoredOAuthTokens> {
    const record = await this.options.tokens.get(name);
    if (!record)
      throw notFound("OAUTH_TOKENS_NOT_FOUND", `no tokens stored for '${name}'`, { provider: name });
    const secrets = await this.secrets(record);
    if (!secrets.refresh_token) {
      throw new DomainError(
        "validation",
        "OAUTH_NO_REFRESH_TOKEN",
        `${name} gave no refresh token; sign in again when the access token expires`,
        { provider: name },
      );
    }
    const provider = await this.provider(name);
    const lib = await this.lib();
    const { as, client, auth, options } = this.endpoints(lib, provider);
    const response = await this.call(provider, "refresh", async () => {
      const answer = await lib.refreshTokenGrantRequest(as, client, auth, secrets.refresh_token!, options);
      return lib.processRefreshTokenResponse(as, client, answer);
    });
    const stored = await this.store(name, response, record, secrets.refresh_token);
    this.options.logger.info({ msg: "oauth tokens refreshed", provider: name });
    return stored;
  }

  private async store(
    provider: string,
    response: {
      access_token: string;
      refresh_token?: string;
      expires_in?: number;
      scope?: string;
      token_type?: string;
    },
    previous: StoredOAuthTokens | undefined,
    previousRefreshToken: string | undefined,
  ): Promise<StoredOAuthTokens> {
    const now = this.now();
    // A provider that does not rotate refresh tokens answers a refresh without one: the old one stays valid.
    const refreshToken = response.refresh_token ?? previousRefreshToken;
    const secrets: TokenSecrets = {
      access_token: response.access_token,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    };
    const sealed = await this.options.cipher.seal(secrets, provider);
    const scope = response.scope ?? previous?.scope;
    const record: StoredOAuthTokens = {
      provider,
      v: 1,
      alg: "aes-256-gcm",
      ...sealed,
      ...(response.token_type ? { token_type: response.token_type.toLowerCase() } : {}),
      ...(scope ? { scope } : {}),
      has_refresh_token: refreshToken !== undefined,
      saved_at: previous?.saved_at ?? now,
      ...(typeof response.expires_in === "number" ? { expires_at: now + response.expires_in * 1000 } : {}),
      ...(previous ? { refreshed_at: now, refresh_count: (previous.refresh_count ?? 0) + 1 } : {}),
    };
    await this.options.tokens.save(record);
    this.arm(record);
    return record;
  }

  private arm(record: StoredOAuthTokens): void {
    this.timers.get(record.provider)?.cancel();
    this.timers.delete(record.provider);
    if (this.stopped || record.expires_at === undefined || !record.has_refresh_token) return;
    const delay = Math.min(Math.max(0, this.refreshAt(record) - this.now()), MAX_TIMER_MS);
    const provider = record.provider;
    this.timers.set(
      provider,
      this.setTimer(() => {
        this.timers.delete(provider);
        void this.onTimer(provider);
      }, delay),
    );
  }

  private async onTimer(provider: string): Promise<void> {
    if (this.stopped) return;
    const record = await this.options.tokens.get(provider).catch(() => null);
    if (!record) return;
    // A timer capped at the longest delay, or a clock that moved: re-arm until it is really due.
    if (!this.dueForRefresh(record)) return this.arm(record);
    await this.refresh(provider).catch((error: Error) =>
      this.options.logger.warn({ msg: "oauth refresh failed", provider, error: error.message }),
    );
  }

  private refreshAt(record: StoredOAuthTokens): number {
    const expiresAt = record.expires_at ?? Number.POSITIVE_INFINITY;
    const issuedAt = record.refreshed_at ?? record.saved_at;
    const lifetime = Math.max(0, expiresAt - issuedAt);
    return expiresAt - Math.min(REFRESH_MARGIN_MS, lifetime / 2);
  }

  private dueForRefresh(record: StoredOAuthTokens): boolean {
    return (
      record.has_refresh_token && record.expires_at !== undefined && this.now() >= this.refreshAt(record)
    );
  }

  private secrets(record: StoredOAuthTokens): Promise<TokenSecrets> {
    return this.options.cipher.open(record, record.provider);
  }

  private info(record: StoredOAuthTokens): OAuthTokenInfo {
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    return {
      provider: record.provider,
      ...(record.token_type ? { token_type: record.token_type } : {}),
      ...(record.scope ? { scope: record.scope } : {}),
      has_refresh_token: record.has_refresh_token,
      saved_at: new Date(record.saved_at).toISOString(),
      expires_at: iso(record.expires_at),
      refreshed_at: iso(record.refreshed_at),
      refresh_count: record.refresh_count ?? 0,
      expired: record.expires_at !== undefined && this.now() >= record.expires_at,
      hasRefreshToken: record.has_refresh_token,
      ...(record.expires_at === undefined ? {} : { expiresAt: record.expires_at }),
      savedAt: record.saved_at,
    };
  }

  private async provider(name: string): Promise<OAuthProviderConfig> {
    assertValidId(name, "provider");
    const providers = await this.options.providers();
    const provider = providers.get(name);
    if (!provider) {
      throw notFound(
        "OAUTH_PROVIDER_NOT_CONFIGURED",
        `OAuth provider '${name}' is not configured; add it under oauth.providers in gateway.yaml` +
          (providers.size > 0 ? ` (configured: ${[...providers.keys()].sort().join(", ")})` : ""),
        { provider: name },
      );
    }
    return provider;
  }

  private endpoints(lib: OAuthLib, provider: OAuthProviderConfig) {
    const as = {
      issuer: new URL(provider.authorizeUrl).origin,
      authorization_endpoint: provider.authorizeUrl,
      token_endpoint: provider.tokenUrl,
      ...(provider.revocationUrl ? { revocation_endpoint: provider.revocationUrl } : {}),
    };
    const client = { client_id: provider.clientId };
    const auth = provider.clientSecret ? lib.ClientSecretPost(provider.clientSecret) : lib.None();
    // Plain http only to this machine (a local identity provider or a test stub); anything else needs https.
    const urls = [provider.tokenUrl, provider.revocationUrl].filter((u): u is string => u !== undefined);
    const localHttp = urls.some(isLocalHttp) && urls.every((u) => isLocalHttp(u) || u.startsWith("https:"));
    const options = localHttp ? { [lib.allowInsecureRequests]: true } : {};
    return { as, client, auth, options };
  }

  /** Runs one request to the provider; its failures become domain errors that name the provider. */
  private async call<T>(provider: OAuthProviderConfig, what: string, work: () => Promise<T>): Promise<T> {
    const lib = await this.lib();
    try {
      return await work();
    } catch (error) {
      if (error instanceof DomainError) throw error;
      if (error instanceof lib.ResponseBodyError || error instanceof lib.AuthorizationResponseError) {
        const description = error.error_description ? ` (${error.error_description})` : "";
        throw new DomainError(
          "validation",
          "OAUTH_PROVIDER_REFUSED",
          `${provider.name} refused the ${what}: ${error.error}${description}`,
          { provider: provider.name, error: error.error },
        );
      }
      const message = (error as Error).message;
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      throw new DomainError(
        "validation",
        "OAUTH_PROVIDER_ERROR",
        `${provider.name} ${what} failed: ${message}${cause ? ` (${cause})` : ""}`,
        { provider: provider.name },
      );
    }
  }

  private dropExpiredFlows(): void {
    const now = this.now();
    for (const [state, flow] of this.pending) if (flow.expiresAt <= now) this.pending.delete(state);
  }

  private lib(): Promise<OAuthLib> {
    this.library ??= (this.options.loadLibrary ?? (() => import("oauth4webapi")))();
    return this.library;
  }
}

function isLocalHttp(value: string): boolean {
  const url = new URL(value);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return url.protocol === "http:" && (host === "localhost" || isLoopbackAddress(host));
}

const callbackError = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new DomainError("validation", code, message, details);
