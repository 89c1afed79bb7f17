/*
 * MCP servers the gateway keeps itself: per scope in `mcp-servers.yaml` (global `~/.viben`, workspace
 * `<ws>/.viben`), and, for executors whose own files have no on/off switch, the disabled entries set aside
 * in the global `mcp-disabled.yaml` until they are enabled again. Also the rules every MCP write applies:
 * what a valid server is and how a change merges into a stored one (secrets sent back masked keep theirs).
 */
import { isMap } from "yaml";
import { type McpServerConfig, McpServerSchema } from "./agents.js";
import { conflict, invalid, notFound } from "./errors.js";
import { assertValidId } from "./ids.js";
import { REDACTED, restoreRedacted } from "./rules/redact.js";
import type { Scope } from "./scopes.js";
import { yamlToObject } from "./yaml.js";

export const MCP_SERVERS_KEY = "mcp-servers.yaml";
export const MCP_DISABLED_KEY = "mcp-disabled.yaml";

/** A server as the API and the gateway's files hold it: its transport fields, `enabled`, and anything else kept. */
export type McpServer = McpServerConfig & { enabled?: boolean };

export function checkServerName(name: unknown, field = "name"): string {
  return assertValidId(name, field);
}

/** A complete server: stdio has a command, http/sse an http(s) URL; the env and header maps hold strings. */
export function validateServer(value: unknown, field = "server"): McpServer {
  const parsed = McpServerSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid([field, ...(issue?.path ?? [])].join("."), issue?.message ?? "is not a valid MCP server");
  }
  const server = parsed.data as McpServer;
  if (server.enabled !== undefined && typeof server.enabled !== "boolean")
    throw invalid(`${field}.enabled`, "must be a boolean");
  const type = server.type ?? (server.url ? "http" : "stdio");
  if (type === "stdio") {
    if (!server.command?.trim()) throw invalid(`${field}.command`, "is required for a stdio server");
  } else {
    if (!server.url) throw invalid(`${field}.url`, `is required for a ${type} server`);
    let url: URL;
    try {
      url = new URL(server.url);
    } catch {
      throw invalid(`${field}.url`, "must be an absolute URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw invalid(`${field}.url`, "must be an http or https URL");
  }
  for (const key of ["env", "headers"] as const) {
    for (const [name, v] of Object.entries(server[key] ?? {})) {
      if (v === REDACTED) throw invalid(`${field}.${key}.${name}`, "is the mask '***'; send the real value");
    }
  }
  return server;
}

/**
 * `stored` changed by `patch`: a field set to null is removed, an absent one kept; `***` in env or headers
 * keeps the stored secret (a client edits what it read, masked). The result is validated.
 */
export function mergeServer(stored: McpServer, patch: Record<string, unknown>): McpServer {
  const next: Record<string, unknown> = { ...stored };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete next[key];
    else if ((key === "env" || key === "headers") && typeof value === "object" && !Array.isArray(value)) {
      next[key] = restoreRedacted(value as Record<string, unknown>, stored[key]);
    } else next[key] = value;
  }
  // A change of transport drops the other transport's fields, so the result is not a mix of both.
  if (patch.url && !patch.command) {
    delete next.command;
    delete next.args;
    delete next.env;
  } else if (patch.command && !patch.url) {
    delete next.url;
    delete next.headers;
    if (next.type !== "stdio" && patch.type === undefined) delete next.type;
  }
  return validateServer(next);
}

/** A new server from a request: masked secrets cannot be meant here. */
export function newServer(value: unknown): McpServer {
  return validateServer(value);
}

export interface ScopedMcpServer {
  name: string;
  server: McpServer;
  scope: Scope;
}

function serversOf(data: Record<string, unknown> | undefined): Record<string, McpServer> {
  const servers = data?.servers;
  if (typeof servers !== "object" || servers === null || Array.isArray(servers)) return {};
  const valid: Record<string, McpServer> = {};
  for (const [name, value] of Object.entries(servers)) {
    const parsed = McpServerSchema.safeParse(value);
    if (parsed.success) valid[name] = parsed.data as McpServer;
  }
  return valid;
}

/** The gateway's own MCP servers of one scope, in file order. */
export async function listScopeServers(scope: Scope): Promise<ScopedMcpServer[]> {
  const doc = await scope.store.read(MCP_SERVERS_KEY);
  return Object.entries(serversOf(doc?.data)).map(([name, server]) => ({ name, server, scope }));
}

/** The servers of the listing scopes (workspace first); a workspace server hides a global one of that name. */
export async function listMergedServers(scopes: Scope[]): Promise<ScopedMcpServer[]> {
  const seen = new Set<string>();
  const merged: ScopedMcpServer[] = [];
  for (const scope of scopes) {
    for (const entry of await listScopeServers(scope)) {
      if (seen.has(entry.name)) continue;
      seen.add(entry.name);
      merged.push(entry);
    }
  }
  return merged;
}

export async function findScopeServer(scope: Scope, name: string): Promise<McpServer | undefined> {
  return (await listScopeServers(scope)).find((entry) => entry.name === name)?.server;
}

/**
 * Writes one server of a scope: `create` refuses a name in use, an update refuses an unknown one. Only
 * that entry of the YAML document changes; comments and keys written by hand elsewhere stay.
 */
export async function writeScopeServer(
  scope: Scope,
  name: string,
  change: (current: McpServer | undefined) => McpServer | null,
): Promise<McpServer | null> {
  let written: McpServer | null = null;
  await scope.store.update(MCP_SERVERS_KEY, (doc) => {
    const next = doc ?? scope.store.emptyDocument();
    const current = serversOf(doc ? yamlToObject(doc) : undefined)[name];
    written = change(current);
    if (!isMap(next.contents)) next.contents = next.createNode({}) as typeof next.contents;
    if (written === null) {
      if (current === undefined) return null;
      next.deleteIn(["servers", name]);
    } else {
      if (!isMap(next.get("servers"))) next.set("servers", next.createNode({}));
      next.setIn(["servers", name], next.createNode(written));
    }
    return next;
  });
  return written;
}

export const serverNotFound = (name: string, where: string) =>
  notFound("MCP_SERVER_NOT_FOUND", `MCP server '${name}' not found in ${where}`, { name });

export const serverExists = (name: string, where: string) =>
  conflict("MCP_SERVER_EXISTS", `MCP server '${name}' already exists in ${where}`, { name });

/** A server of an executor's file that is switched off while the file has no switch for it. */
export interface DisabledExecutorServer {
  executor: string;
  file: string;
  name: string;
  /** The entry exactly as it stood in the executor's file. */
  native: Record<string, unknown>;
}

function disabledOf(data: Record<string, unknown> | undefined): DisabledExecutorServer[] {
  const entries = data?.servers;
  if (!Array.isArray(entries)) return [];
  return entries.filter(
    (e): e is DisabledExecutorServer =>
      typeof e === "object" &&
      e !== null &&
      typeof e.executor === "string" &&
      typeof e.file === "string" &&
      typeof e.name === "string" &&
      typeof e.native === "object" &&
      e.native !== null,
  );
}

export async function listDisabledServers(
  global: Scope,
  executor: string,
  file: string,
): Promise<DisabledExecutorServer[]> {
  const doc = await global.store.read(MCP_DISABLED_KEY);
  return disabledOf(doc?.data).filter((e) => e.executor === executor && e.file === file);
}

/** Replaces (or with `entry` null removes) the set-aside entry of one server of one file. */
export async function setDisabledServer(
  global: Scope,
  key: { executor: string; file: string; name: string },
  entry: Record<string, unknown> | null,
): Promise<void> {
  await global.store.update(MCP_DISABLED_KEY, (doc) => {
    const current = disabledOf(doc ? yamlToObject(doc) : undefined);
    const others = current.filter(
      (e) => !(e.executor === key.executor && e.file === key.file && e.name === key.name),
    );
    if (entry === null && others.length === current.length) return null;
    const next = doc ?? global.store.emptyDocument();
    const servers = entry === null ? others : [...others, { ...key, native: entry }];
    next.set("servers", next.createNode(servers));
    return next;
  });
}

type AgentServers = Record<string, McpServerConfig> | (string | (McpServerConfig & { name: string }))[];

/** An agent's servers that carry a configuration (a bare name in the list form refers to one elsewhere). */
export function agentServerEntries(servers: AgentServers | undefined): { name: string; server: McpServer }[] {
  if (!servers) return [];
  if (!Array.isArray(servers)) return Object.entries(servers).map(([name, server]) => ({ name, server }));
  return servers
    .filter((entry): entry is McpServerConfig & { name: string } => typeof entry !== "string")
    .map(({ name, ...server }) => ({ name, server }));
}

/**
 * An agent's `mcp_servers` with server `name` set (or, null, removed), in the form it was written in: a
 * map stays a map, Viben's list stays a list (a bare-name reference of that name is replaced).
 */
export function withAgentServer(
  servers: AgentServers | undefined,
  name: string,
  server: McpServer | null,
): AgentServers {
  if (!Array.isArray(servers)) {
    const next = { ...(servers ?? {}) };
    if (server === null) delete next[name];
    else next[name] = server;
    return next;
  }
  const index = servers.findIndex((entry) => (typeof entry === "string" ? entry : entry.name) === name);
  const next = [...servers];
  if (server === null) {
    if (index >= 0) next.splice(index, 1);
  } else if (index >= 0) next[index] = { name, ...server };
  else next.push({ name, ...server });
  return next;
}
