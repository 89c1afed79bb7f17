import { assertValidId } from "./ids.js";
import type { Scope } from "./scopes.js";
import { z } from "./zod.js";

/**
 * One provider's tokens as stored: the secret part (access and refresh token) only as AES-256-GCM
 * ciphertext (base64 `iv`, `tag`, `ciphertext`), encrypted by the runtime with a key kept outside the data
 * folder; beside it what listing needs without the key (times, scope, whether a refresh token exists).
 */
export const StoredOAuthTokensSchema = z
  .object({
    provider: z.string().min(1),
    /** Format of the encrypted part. */
    v: z.literal(1),
    alg: z.literal("aes-256-gcm"),
    /** Fingerprint of the key that encrypted it (first bytes of its SHA-256), to name a key mismatch. */
    key_id: z.string(),
    iv: z.string(),
    tag: z.string(),
    ciphertext: z.string(),
    token_type: z.string().optional(),
    scope: z.string().optional(),
    has_refresh_token: z.boolean(),
    /** Epoch ms. */
    saved_at: z.number(),
    expires_at: z.number().optional(),
    refreshed_at: z.number().optional(),
    refresh_count: z.number().int().nonnegative().optional(),
  })
  .loose();

export type StoredOAuthTokens = z.infer<typeof StoredOAuthTokensSchema>;

const BASE = "oauth:tokens";
const keyOf = (provider: string) => `${BASE}:${assertValidId(provider, "provider")}.yaml`;

/** `oauth/tokens/<provider>.yaml` in the global root, one file per provider, written atomically. */
export class OAuthTokenRepository {
  constructor(private readonly scope: Scope) {}

  async get(provider: string): Promise<StoredOAuthTokens | null> {
    const stored = await this.scope.store.read(keyOf(provider));
    if (!stored) return null;
    const parsed = StoredOAuthTokensSchema.safeParse(stored.data);
    return parsed.success ? parsed.data : null;
  }

  /** Providers with stored tokens, sorted. */
  async providers(): Promise<string[]> {
    return (await this.scope.store.keys(BASE))
      .filter((name) => name.endsWith(".yaml") && !name.includes(":"))
      .map((name) => name.slice(0, -".yaml".length));
  }

  async save(record: StoredOAuthTokens): Promise<void> {
    await this.scope.store.write(keyOf(record.provider), { ...record });
  }

  async remove(provider: string): Promise<void> {
    await this.scope.store.remove([keyOf(provider)]);
  }

  /** Absolute path of a provider's file (tests read it to check nothing is in plain text). */
  pathOf(provider: string): string {
    return this.scope.store.pathOf(keyOf(provider));
  }
}
