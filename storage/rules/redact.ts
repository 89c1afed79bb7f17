/** Secrets never leave the gateway: values of env maps and headers are masked unless they are `${VAR}` references. */
export const REDACTED = "***";

const isReference = (value: unknown) =>
  typeof value === "string" && /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(value);

export function redactRecord(
  values: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (!values) return values;
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, isReference(v) ? v : REDACTED]));
}

function redactMcpServer<T extends Record<string, unknown>>(server: T): T {
  return {
    ...server,
    ...(server.env ? { env: redactRecord(server.env as Record<string, unknown>) } : {}),
    ...(server.headers ? { headers: redactRecord(server.headers as Record<string, unknown>) } : {}),
  };
}

/** Either form of an agent's `mcp_servers`: a map by name, or the original Viben list (names or entries). */
export function redactMcpServers(
  servers: Record<string, Record<string, unknown>> | (string | Record<string, unknown>)[],
): Record<string, unknown> | unknown[] {
  if (Array.isArray(servers)) {
    return servers.map((entry) => (typeof entry === "string" ? entry : redactMcpServer(entry)));
  }
  return Object.fromEntries(Object.entries(servers).map(([name, server]) => [name, redactMcpServer(server)]));
}

/** A single secret such as an API key: a `${VAR}` reference is shown as is, anything else masked. */
export function redactSecret(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return isReference(value) ? value : REDACTED;
}

/**
 * A client that edits what it read sends redacted values back: `***` where a secret was. Those keep the
 * stored value instead of overwriting the secret with the mask.
 */
export function restoreRedacted(
  incoming: Record<string, unknown>,
  stored: Record<string, unknown> | undefined,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(incoming).map(([k, v]) => [k, v === REDACTED && stored && k in stored ? stored[k] : v]),
  );
}
