import { isLoopbackAddress } from "./loopback.js";

/**
 * Where a webhook's result may be POSTed (`callback_url` of POST /api/hooks/wake). The wake route checks
 * it on intake and the runtime again just before sending (gateway.yaml may have changed meanwhile).
 *
 * A callback makes the gateway send a request on a caller's behalf, so it is a server-side request
 * forgery risk: by default only loopback hosts (127.0.0.0/8, [::1], localhost) are allowed, where the
 * gateway and its local scripts live. Any other host must be listed in gateway.yaml
 * `hooks.callback_hosts` (exact host names, or "*" for any host). Only http and https, and no user:password
 * part (the URL is stored with the job and would leak it).
 */
export function callbackUrlProblem(raw: string, allowedHosts: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute http:// or https:// URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return `scheme '${url.protocol.slice(0, -1)}' is not allowed: use http or https`;
  if (url.username || url.password) return "must not carry a user name or password";
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (isLoopbackAddress(host)) return undefined;
  if (allowedHosts.includes("*") || allowedHosts.some((h) => h.toLowerCase() === host)) return undefined;
  return `host '${host}' is not allowed: only loopback hosts unless listed in gateway.yaml hooks.callback_hosts`;
}
