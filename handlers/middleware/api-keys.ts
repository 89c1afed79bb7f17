import type { ApiKey } from "../../storage/gateway-config.js";

// API key lookup on its own, so the security middleware and the webhook's hook-auth both use it without
// importing each other.
async function digest(value: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)));
}

function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

// A configured key's digest, computed once per compiled gateway.yaml rather than on every request.
const keyDigests = new WeakMap<ApiKey, Promise<Uint8Array>>();
function keyDigestOf(key: ApiKey): Promise<Uint8Array> {
  let cached = keyDigests.get(key);
  if (!cached) {
    // A key stored as its hash (created over the API) is compared by that digest; its secret is never kept.
    cached = key.digest !== undefined ? Promise.resolve(fromHex(key.digest)) : digest(key.key ?? "");
    keyDigests.set(key, cached);
  }
  return cached;
}

/**
 * Finds the key matching a presented secret. Digests are compared byte by byte without an early exit and
 * every key is visited, so timing reveals neither where a guess differs nor which key matched.
 */
export async function findApiKey(presented: string, keys: ApiKey[]): Promise<ApiKey | undefined> {
  const presentedDigest = await digest(presented);
  let match: ApiKey | undefined;
  for (const key of keys) {
    const keyDigest = await keyDigestOf(key);
    let diff = 0;
    for (let i = 0; i < keyDigest.length; i++) diff |= keyDigest[i]! ^ presentedDigest[i]!;
    if (diff === 0 && !match) match = key;
  }
  return match;
}
