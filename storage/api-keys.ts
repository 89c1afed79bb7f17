import { type Document, isMap, isSeq, type YAMLMap, type YAMLSeq } from "yaml";
import type { DocumentStore } from "./documents.js";
import { conflict, invalid, notFound } from "./errors.js";
import { GATEWAY_CONFIG_KEY, type Role } from "./gateway-config.js";
import { validateConfigDocument } from "./gateway-config-edit.js";
import { yamlToObject } from "./yaml.js";

/**
 * API keys managed over the API, kept in gateway.yaml `api_keys` beside the hand-written ones. A key created
 * (or rotated) here is stored only as `hash: sha256:<hex>`: its secret is shown once and never written. Keys
 * are 256 random bits, so a fast hash is enough (nothing to brute-force). Hand-written entries (`key:` in
 * clear or `${ENV}`) are listed and can be revoked; rotating one turns it into a hashed entry.
 */
export interface ApiKeyInfo {
  name: string;
  role: Role;
  /** `hash` (created over the API), `env` (`${VAR}`), `inline` (written out in gateway.yaml). */
  storage: "hash" | "env" | "inline";
  created_at?: string;
  rotated_at?: string;
}

export interface IssuedKey extends ApiKeyInfo {
  /** The secret, shown this once. */
  key: string;
}

const KEY_NAME = /^[^\u0000-\u001f\u007f]{1,128}$/;

export function checkKeyName(name: string): string {
  if (!KEY_NAME.test(name) || name.trim() !== name)
    throw invalid("name", "must be 1 to 128 characters without control characters or outer spaces");
  return name;
}

/** A new secret: `vbn_` and 32 random bytes, base64url. */
export function newKeySecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `vbn_${btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "")}`;
}

export async function hashKey(secret: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret)));
  return `sha256:${[...digest].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export class ApiKeyRepository {
  constructor(
    private readonly store: DocumentStore,
    private readonly env: Readonly<Record<string, string | undefined>>,
    private readonly now: () => Date,
  ) {}

  async list(): Promise<ApiKeyInfo[]> {
    const data = (await this.store.read(GATEWAY_CONFIG_KEY))?.data ?? {};
    const entries = Array.isArray(data.api_keys) ? data.api_keys : [];
    return entries.flatMap((entry): ApiKeyInfo[] => {
      if (typeof entry !== "object" || entry === null) return [];
      const e = entry as Record<string, unknown>;
      if (typeof e.name !== "string") return [];
      return [
        {
          name: e.name,
          role: e.role as Role,
          storage: typeof e.hash === "string" ? "hash" : /\$\{/.test(String(e.key ?? "")) ? "env" : "inline",
          ...(typeof e.created_at === "string" ? { created_at: e.created_at } : {}),
          ...(typeof e.rotated_at === "string" ? { rotated_at: e.rotated_at } : {}),
        },
      ];
    });
  }

  async create(name: string, role: Role): Promise<IssuedKey> {
    checkKeyName(name);
    const key = newKeySecret();
    const hash = await hashKey(key);
    const created_at = this.now().toISOString();
    await this.edit((doc, keys) => {
      if (findKey(keys, name))
        throw conflict("API_KEY_EXISTS", `an API key named '${name}' exists`, { name });
      keys.add(doc.createNode({ name, role, hash, created_at }));
    });
    return { name, role, storage: "hash", created_at, key };
  }

  async rotate(name: string): Promise<IssuedKey> {
    const key = newKeySecret();
    const hash = await hashKey(key);
    const rotated_at = this.now().toISOString();
    let info: IssuedKey | undefined;
    await this.edit((_doc, keys) => {
      const entry = findKey(keys, name);
      if (!entry) throw keyNotFound(name);
      entry.delete("key");
      entry.set("hash", hash);
      entry.set("rotated_at", rotated_at);
      const created = entry.get("created_at");
      info = {
        name,
        role: entry.get("role") as Role,
        storage: "hash",
        ...(typeof created === "string" ? { created_at: created } : {}),
        rotated_at,
        key,
      };
    });
    return info!;
  }

  async revoke(name: string): Promise<void> {
    await this.edit((_doc, keys) => {
      const index = keys.items.findIndex((item) => isMap(item) && item.get("name") === name);
      if (index < 0) throw keyNotFound(name);
      keys.delete(index);
    });
  }

  /** Changes `api_keys` in place (comments elsewhere kept), validates the result, writes it atomically. */
  private async edit(change: (doc: Document, keys: YAMLSeq) => void): Promise<void> {
    await this.store.update(GATEWAY_CONFIG_KEY, (current) => {
      const doc = current ?? this.store.emptyDocument();
      if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as typeof doc.contents;
      let keys = doc.get("api_keys", true);
      if (!isSeq(keys)) {
        keys = doc.createNode([]) as YAMLSeq;
        doc.set("api_keys", keys);
      }
      change(doc, keys as YAMLSeq);
      validateConfigDocument(yamlToObject(doc), this.env);
      return doc;
    });
  }
}

function findKey(keys: YAMLSeq, name: string): YAMLMap | undefined {
  return keys.items.find((item): item is YAMLMap => isMap(item) && item.get("name") === name);
}

const keyNotFound = (name: string) => notFound("API_KEY_NOT_FOUND", `no API key named '${name}'`, { name });
