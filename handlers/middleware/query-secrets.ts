// Query parameter names that would put a secret into a URL (and so into proxy and access logs), compared
// without case, `_`/`-`, and array or object suffixes (`TOKEN`, `Api-Key`, `token[]`, `token[0]`, `key.x`).
const SECRET_PARAMS = new Set([
  "token",
  "accesstoken",
  "authtoken",
  "hooktoken",
  "apikey",
  "key",
  "authorization",
]);

function normalizedName(name: string): string {
  return name
    .replace(/[[.].*$/s, "")
    .replace(/[-_\s]/g, "")
    .toLowerCase();
}

/**
 * The first query parameter of `url` that looks like a credential, as the client spelled it; undefined when
 * there is none. `allowed` is the one exact name a request may use (`token` on a WebSocket upgrade, where
 * browsers cannot set headers).
 */
export function secretQueryParam(url: string, allowed?: string): string | undefined {
  const start = url.indexOf("?");
  if (start < 0) return undefined;
  for (const name of new URLSearchParams(url.slice(start + 1)).keys()) {
    if (name !== allowed && SECRET_PARAMS.has(normalizedName(name))) return name;
  }
  return undefined;
}
