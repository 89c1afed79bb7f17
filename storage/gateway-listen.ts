import { expandEnv } from "./env.js";

/** The gateway's own settings file in the global root. */
export const GATEWAY_CONFIG_KEY = "gateway.yaml";

/**
 * What start-up needs of gateway.yaml before it opens its port: the address and whether any API key is
 * usable (a non-loopback bind without one is refused). Read from the parsed YAML without the full schema,
 * so the port opens before zod and the schemas load; the whole file is checked (compileGatewayConfig)
 * right after, before any request but /health is answered, and a file that fails it still stops the start.
 */
export interface ListenSettings {
  bind?: string;
  port?: number;
  /** An entry with a hash, or a key whose `${ENV}` references are all set (as compileGatewayConfig keeps). */
  hasApiKeys: boolean;
}

export function listenSettingsOf(
  data: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): ListenSettings {
  const { bind, port, api_keys: keys } = data;
  if (port !== undefined && !(Number.isInteger(port) && (port as number) >= 0 && (port as number) <= 65535))
    throw new Error("gateway.yaml: port: must be an integer between 0 and 65535");
  const usable = (entry: unknown): boolean => {
    if (typeof entry !== "object" || entry === null) return false;
    const { key, hash } = entry as Record<string, unknown>;
    if (typeof hash === "string") return true;
    if (typeof key !== "string") return false;
    const { value, missing } = expandEnv(key, env);
    return missing.length === 0 && value.length > 0;
  };
  return {
    bind: typeof bind === "string" && bind.length > 0 ? bind : undefined,
    port: port as number | undefined,
    hasApiKeys: Array.isArray(keys) && keys.some(usable),
  };
}
