import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { DomainError } from "../../storage/errors.js";

/** The secret part of a provider's tokens, encrypted as one JSON document. */
export interface TokenSecrets {
  access_token: string;
  refresh_token?: string;
}

export interface SealedSecrets {
  key_id: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

export interface TokenKeyOptions {
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** The data folder: the key file may not lie inside it (a copied data folder must not carry its key). */
  dataRoot: string;
}

/**
 * Where the key is: `VIBEN_OAUTH_KEY` (32 bytes, base64 or hex) wins; else the file `VIBEN_OAUTH_KEY_FILE`,
 * else `$XDG_CONFIG_HOME/viben/oauth.key` (default `~/.config/viben/oauth.key`), made on first use (0600).
 */
export function tokenKeyPath({ env, home }: Pick<TokenKeyOptions, "env" | "home">): string {
  if (env.VIBEN_OAUTH_KEY_FILE) return resolve(env.VIBEN_OAUTH_KEY_FILE);
  const configHome = env.XDG_CONFIG_HOME ? resolve(env.XDG_CONFIG_HOME) : join(home, ".config");
  return join(configHome, "viben", "oauth.key");
}

function decodeKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, "hex")
    : Buffer.from(trimmed, "base64");
  if (key.length !== 32) {
    throw new DomainError(
      "corrupt",
      "OAUTH_KEY_INVALID",
      `${source}: the OAuth token key must be 32 bytes (base64 or 64 hex digits)`,
    );
  }
  return key;
}

/** AES-256-GCM for stored OAuth tokens; the key is loaded (or made) on first use. */
export class TokenCipher {
  private key: Promise<Buffer> | undefined;

  constructor(private readonly options: TokenKeyOptions) {}

  async seal(secrets: TokenSecrets, aad: string): Promise<SealedSecrets> {
    const key = await this.loadKey();
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    // The provider name is bound in: a file copied under another provider's name does not decrypt.
    cipher.setAAD(Buffer.from(aad, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(secrets), "utf8"), cipher.final()]);
    return {
      key_id: keyId(key),
      iv: iv.toString("base64"),
      tag: cipher.getAuthTag().toString("base64"),
      ciphertext: ciphertext.toString("base64"),
    };
  }

  async open(sealed: SealedSecrets, aad: string): Promise<TokenSecrets> {
    const key = await this.loadKey();
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"));
      decipher.setAAD(Buffer.from(aad, "utf8"));
      decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
      const plain = Buffer.concat([
        decipher.update(Buffer.from(sealed.ciphertext, "base64")),
        decipher.final(),
      ]).toString("utf8");
      return JSON.parse(plain) as TokenSecrets;
    } catch {
      const mismatch = sealed.key_id !== keyId(key);
      throw new DomainError(
        "corrupt",
        "OAUTH_TOKENS_UNREADABLE",
        mismatch
          ? `the stored tokens of '${aad}' were encrypted with another key (${sealed.key_id}); sign in again`
          : `the stored tokens of '${aad}' do not decrypt (damaged file); sign in again`,
        { provider: aad },
      );
    }
  }

  private loadKey(): Promise<Buffer> {
    this.key ??= this.readOrCreateKey().catch((error: unknown) => {
      this.key = undefined; // a later call tries again (e.g. once a permission is fixed)
      throw error;
    });
    return this.key;
  }

  private async readOrCreateKey(): Promise<Buffer> {
    const { env } = this.options;
    if (env.VIBEN_OAUTH_KEY) return decodeKey(env.VIBEN_OAUTH_KEY, "VIBEN_OAUTH_KEY");
    const path = tokenKeyPath(this.options);
    const inside = relative(resolve(this.options.dataRoot), path);
    if (!inside.startsWith("..") && !inside.startsWith("/")) {
      throw new DomainError(
        "validation",
        "OAUTH_KEY_IN_DATA_FOLDER",
        `the OAuth token key ${path} lies inside the data folder ${this.options.dataRoot}; keep it elsewhere`,
      );
    }
    try {
      return decodeKey(await readFile(path, "utf8"), path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const key = randomBytes(32);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // `wx`: two gateways racing to make it do not overwrite each other's key; the loser reads the winner's.
    try {
      await writeFile(path, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
      await chmod(path, 0o600);
      return key;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      return decodeKey(await readFile(path, "utf8"), path);
    }
  }
}

function keyId(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 12);
}
