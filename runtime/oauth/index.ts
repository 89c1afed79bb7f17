import type { Logger } from "../../handlers/capabilities/logger.js";
import { readOAuthProviders } from "../../storage/oauth-providers.js";
import { OAuthTokenRepository } from "../../storage/oauth-tokens.js";
import type { Scope } from "../../storage/scopes.js";
import { OAuthManager } from "./oauth-manager.js";
import { TokenCipher } from "./token-cipher.js";

export interface OAuthRuntimeOptions {
  /** The global scope: gateway.yaml `oauth.providers` and the token files (`oauth/tokens/`). */
  scope: Scope;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** The data folder, which the encryption key must lie outside of. */
  dataRoot: string;
  logger: Logger;
  /** Epoch ms (tests move it forward to expire tokens). */
  now?: () => number;
}

/** The OAuth service of the Node gateway; nothing is read until it is used (timers arm after listening). */
export function createOAuthRuntime(options: OAuthRuntimeOptions): OAuthManager {
  return new OAuthManager({
    providers: () => readOAuthProviders(options.scope, options.env),
    tokens: new OAuthTokenRepository(options.scope),
    cipher: new TokenCipher({ env: options.env, home: options.home, dataRoot: options.dataRoot }),
    logger: options.logger,
    ...(options.now ? { now: options.now } : {}),
  });
}
