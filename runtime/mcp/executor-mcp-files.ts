import type { McpServerConfig } from "../../storage/agents.js";
import { invalid } from "../../storage/errors.js";
import type { ExecutorId } from "../../storage/executor-types.js";
import type { PlainObject } from "../executors/config-shapes.js";
import { mcpTransport } from "../executors/mcp-servers.js";
import type { ConfigLocation } from "../executors/types.js";

/*
 * Where each executor keeps the MCP servers the API edits, and how a server looks in its own format.
 * Reading every location an executor has stays in each adapter's `mcpSources` (for counts); these are the
 * one user-level and one project-level file per executor that `claude mcp add`, `codex mcp add`, ... write.
 */

export type McpFileScope = "global" | "workspace";

export interface McpFileFormat {
  readonly location: ConfigLocation;
  readonly syntax: "json" | "toml";
  /** Where the map of servers sits in the file (Amp's `amp.mcpServers` is one flat key). */
  readonly keyPath: readonly string[];
  /** The executor's own switch for a server that is kept but off; without one the gateway stores it aside. */
  readonly enabledKey?: "enabled";
  toNative(server: McpServerConfig): PlainObject;
  fromNative(native: PlainObject): McpServerConfig;
}

type Converter = Pick<McpFileFormat, "toNative" | "fromNative">;

/** Keys without a value are left out, so a file never gains `"env": null`. */
function compact(value: PlainObject): PlainObject {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null));
}

const nonEmpty = <T extends object>(value: T | undefined): T | undefined =>
  value && Object.keys(value).length > 0 ? value : undefined;

/** What a converter does not map is carried through untouched (`cwd`, `timeout`, `trust`, `tools`, ...). */
function extras(server: PlainObject, mapped: readonly string[]): PlainObject {
  return Object.fromEntries(Object.entries(server).filter(([key]) => !mapped.includes(key)));
}

const OUR_KEYS = ["type", "command", "args", "env", "url", "headers", "enabled", "name"] as const;

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
const stringMap = (value: unknown): Record<string, string> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)])) as Record<string, string>)
    : undefined;
const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** `{command, args, env}` or `{url, headers}`, with `type` written when the executor wants it. */
function commandOrUrl(options: { writeType: "always" | "remote" | "never" }): Converter {
  const mapped = ["type", "command", "args", "env", "url", "headers"];
  return {
    toNative(server) {
      const transport = mcpTransport(server);
      const rest = extras(server, OUR_KEYS);
      if (transport === "stdio") {
        return compact({
          ...rest,
          type: options.writeType === "always" ? "stdio" : undefined,
          command: server.command,
          args: nonEmpty(server.args),
          env: nonEmpty(server.env),
        });
      }
      return compact({
        ...rest,
        type: options.writeType === "never" ? undefined : transport,
        url: server.url,
        headers: nonEmpty(server.headers),
      });
    },
    fromNative(native) {
      const type = text(native.type);
      return compact({
        ...extras(native, mapped),
        type: type === "stdio" || type === "http" || type === "sse" ? type : undefined,
        command: text(native.command),
        args: strings(native.args),
        env: stringMap(native.env),
        url: text(native.url),
        headers: stringMap(native.headers),
      }) as McpServerConfig;
    },
  };
}

/** Copilot: `type` local / http / sse, and `tools: ["*"]` so every tool of the server is offered. */
const copilotFormat: Converter = {
  toNative(server) {
    const base = commandOrUrl({ writeType: "always" }).toNative(server);
    return {
      ...base,
      type: mcpTransport(server) === "stdio" ? "local" : base.type,
      tools: base.tools ?? ["*"],
    };
  },
  fromNative(native) {
    const type = native.type === "local" ? "stdio" : native.type;
    return commandOrUrl({ writeType: "always" }).fromNative({ ...native, type });
  },
};

/** Gemini CLI and Qwen Code: `httpUrl` for streamable HTTP, `url` for SSE. */
const geminiFormat: Converter = {
  toNative(server) {
    const transport = mcpTransport(server);
    const rest = extras(server, OUR_KEYS);
    if (transport === "stdio") {
      return compact({
        ...rest,
        command: server.command,
        args: nonEmpty(server.args),
        env: nonEmpty(server.env),
      });
    }
    const urlKey = transport === "http" ? "httpUrl" : "url";
    return compact({ ...rest, [urlKey]: server.url, headers: nonEmpty(server.headers) });
  },
  fromNative(native) {
    const http = text(native.httpUrl);
    return compact({
      ...extras(native, ["command", "args", "env", "url", "httpUrl", "headers"]),
      type: native.command ? undefined : http ? "http" : "sse",
      command: text(native.command),
      args: strings(native.args),
      env: stringMap(native.env),
      url: http ?? text(native.url),
      headers: stringMap(native.headers),
    }) as McpServerConfig;
  },
};

/** Codex: `[mcp_servers.<name>]` with command/args/env, or url and `http_headers` (streamable HTTP only). */
const codexFormat: Converter = {
  toNative(server) {
    const transport = mcpTransport(server);
    const rest = extras(server, OUR_KEYS);
    if (transport === "stdio") {
      return compact({
        command: server.command,
        args: nonEmpty(server.args),
        env: nonEmpty(server.env),
        ...rest,
      });
    }
    if (transport === "sse")
      throw invalid("type", "Codex reaches MCP servers over stdio or streamable HTTP, not SSE");
    return compact({ url: server.url, http_headers: nonEmpty(server.headers), ...rest });
  },
  fromNative(native) {
    return compact({
      ...extras(native, ["command", "args", "env", "url", "http_headers", "enabled"]),
      type: native.command ? undefined : "http",
      command: text(native.command),
      args: strings(native.args),
      env: stringMap(native.env),
      url: text(native.url),
      headers: stringMap(native.http_headers),
    }) as McpServerConfig;
  },
};

/** OpenCode's `mcp`: `{type: "local", command: [cmd, ...args], environment}` or `{type: "remote", url, headers}`. */
const opencodeFormat: Converter = {
  toNative(server) {
    const rest = extras(server, OUR_KEYS);
    if (mcpTransport(server) === "stdio") {
      return compact({
        type: "local",
        command: [server.command ?? "", ...(server.args ?? [])],
        environment: nonEmpty(server.env),
        ...rest,
      });
    }
    return compact({ type: "remote", url: server.url, headers: nonEmpty(server.headers), ...rest });
  },
  fromNative(native) {
    const command = strings(native.command) ?? [];
    const local = native.type === "local" || command.length > 0;
    return compact({
      ...extras(native, ["type", "command", "environment", "url", "headers", "enabled"]),
      type: local ? undefined : "http",
      command: local ? command[0] : undefined,
      args: local && command.length > 1 ? command.slice(1) : undefined,
      env: stringMap(native.environment),
      url: text(native.url),
      headers: stringMap(native.headers),
    }) as McpServerConfig;
  },
};

const json = (
  location: ConfigLocation,
  keyPath: readonly string[],
  converter: Converter,
  enabledKey?: "enabled",
): McpFileFormat => ({
  location,
  syntax: "json",
  keyPath,
  ...converter,
  ...(enabledKey ? { enabledKey } : {}),
});

const claudeFormat = commandOrUrl({ writeType: "always" });
const plainFormat = commandOrUrl({ writeType: "never" });

export const EXECUTOR_MCP_FILES: Readonly<Record<ExecutorId, Partial<Record<McpFileScope, McpFileFormat>>>> =
  {
    CLAUDE_CODE: {
      global: json({ base: "home", path: ".claude.json" }, ["mcpServers"], claudeFormat),
      workspace: json({ base: "workspace", path: ".mcp.json" }, ["mcpServers"], claudeFormat),
    },
    CODEX: {
      global: {
        location: { base: "globalConfig", path: "config.toml" },
        syntax: "toml",
        keyPath: ["mcp_servers"],
        enabledKey: "enabled",
        ...codexFormat,
      },
    },
    GEMINI: {
      global: json({ base: "globalConfig", path: "settings.json" }, ["mcpServers"], geminiFormat),
      workspace: json({ base: "workspace", path: ".gemini/settings.json" }, ["mcpServers"], geminiFormat),
    },
    QWEN_CODE: {
      global: json({ base: "globalConfig", path: "settings.json" }, ["mcpServers"], geminiFormat),
      workspace: json({ base: "workspace", path: ".qwen/settings.json" }, ["mcpServers"], geminiFormat),
    },
    CURSOR_AGENT: {
      global: json({ base: "globalConfig", path: "mcp.json" }, ["mcpServers"], plainFormat),
      workspace: json({ base: "workspace", path: ".cursor/mcp.json" }, ["mcpServers"], plainFormat),
    },
    OPENCODE: {
      global: json({ base: "globalConfig", path: "opencode.json" }, ["mcp"], opencodeFormat, "enabled"),
      workspace: json({ base: "workspace", path: "opencode.json" }, ["mcp"], opencodeFormat, "enabled"),
    },
    AMP: {
      global: json({ base: "globalConfig", path: "settings.json" }, ["amp.mcpServers"], plainFormat),
      workspace: json({ base: "workspace", path: ".amp/settings.json" }, ["amp.mcpServers"], plainFormat),
    },
    COPILOT: {
      global: json({ base: "globalConfig", path: "mcp-config.json" }, ["mcpServers"], copilotFormat),
    },
  };
