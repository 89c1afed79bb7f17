import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { catalogServerCommand, startCatalogHttpServer } from "../fixtures/mcp-catalog-server.js";
import { silentLogger } from "../helpers/app.js";
import { eventually, makeTempHome, removeDir } from "../helpers/gateway-process.js";

// biome-ignore lint/suspicious/noExplicitAny: answers of many shapes, read field by field
type Json = Record<string, any>;

const SECRET = "sk-mcp-blackbox-secret-99887766";
const TOKEN = "mcp-http-token-1234567890";

describe("/api/mcp on the real server (port 0, temporary HOME)", () => {
  let gw: RunningGateway;
  let home: string;
  let project: string;

  async function call(path: string, method = "GET", body?: unknown): Promise<{ status: number; json: Json }> {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // No answer ever carries a secret in clear.
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(TOKEN);
    return { status: res.status, json: JSON.parse(text) as Json };
  }

  beforeAll(async () => {
    home = await makeTempHome();
    project = join(home, "project");
    await mkdir(project);
    gw = await startGateway({
      port: 0,
      env: { HOME: home, PATH: process.env.PATH, MCP_TOKEN: TOKEN },
      logger: silentLogger,
    });
  });

  afterAll(async () => {
    await gw?.close();
    await removeDir(home);
  });

  /*
   * One file per executor format, each with comments (where the format has them), unrelated settings and a
   * server of its own. Adding, disabling, enabling and removing a server through the API must leave every
   * other byte as it was: after the removal the file is identical to the original.
   */
  const WS = "workspace";
  const cases: {
    executor: string;
    scope: "global" | typeof WS;
    file: () => string;
    original: string;
    read: (text: string) => Json;
  }[] = [
    {
      executor: "CLAUDE_CODE",
      scope: "global",
      file: () => join(home, ".claude.json"),
      original: `{\n  "numStartups": 7,\n  "mcpServers": {\n    "kept": {\n      "type": "stdio",\n      "command": "kept-server"\n    }\n  },\n  "projects": {\n    "/x": {\n      "allowedTools": []\n    }\n  }\n}\n`,
      read: (t) => JSON.parse(t).mcpServers,
    },
    {
      executor: "CLAUDE_CODE",
      scope: WS,
      file: () => join(project, ".mcp.json"),
      original: `{\n  "mcpServers": {\n    "kept": { "command": "kept-server", "args": ["--flag"] }\n  }\n}\n`,
      read: (t) => JSON.parse(t).mcpServers,
    },
    {
      executor: "CODEX",
      scope: "global",
      file: () => join(home, ".codex/config.toml"),
      original: `# Codex settings, written by hand\nmodel = "gpt-5" # the default model\n\n[mcp_servers.kept]\n# the server I always keep\ncommand = "kept-server"\nargs = ["--flag"]\n\n[mcp_servers.kept.env]\nKEPT = "1"\n\n# profiles below\n[profiles.fast]\nmodel = "gpt-5-mini"\n`,
      read: (t) => parseToml(t).mcp_servers as Json,
    },
    {
      executor: "GEMINI",
      scope: "global",
      file: () => join(home, ".gemini/settings.json"),
      original: `{\n  // Gemini settings\n  "theme": "dark",\n  "mcpServers": {\n    /* my server */\n    "kept": { "command": "kept-server" },\n  },\n}\n`,
      read: (t) => jsonc(t).mcpServers,
    },
    {
      executor: "GEMINI",
      scope: WS,
      file: () => join(project, ".gemini/settings.json"),
      original: `{\n\t"mcpServers": {\n\t\t"kept": { "httpUrl": "http://127.0.0.1:1/mcp" }\n\t}\n}\n`,
      read: (t) => jsonc(t).mcpServers,
    },
    {
      executor: "QWEN_CODE",
      scope: "global",
      file: () => join(home, ".qwen/settings.json"),
      original: `{\n  // Qwen\n  "mcpServers": {\n    "kept": { "command": "kept-server" }\n  },\n  "ui": { "theme": "light" }\n}\n`,
      read: (t) => jsonc(t).mcpServers,
    },
    {
      executor: "CURSOR",
      scope: WS,
      file: () => join(project, ".cursor/mcp.json"),
      original: `{\n  "mcpServers": {\n    "kept": { "url": "http://127.0.0.1:1/sse" }\n  }\n}\n`,
      read: (t) => JSON.parse(t).mcpServers,
    },
    {
      executor: "OPENCODE",
      scope: "global",
      file: () => join(home, ".config/opencode/opencode.json"),
      original: `{\n  "$schema": "https://opencode.ai/config.json",\n  // servers\n  "mcp": {\n    "kept": { "type": "local", "command": ["kept-server"] }\n  },\n  "model": "anthropic/claude"\n}\n`,
      read: (t) => jsonc(t).mcp,
    },
    {
      executor: "AMP",
      scope: "global",
      file: () => join(home, ".config/amp/settings.json"),
      original: `{\n  "amp.notifications.enabled": false,\n  "amp.mcpServers": {\n    "kept": { "command": "kept-server" }\n  }\n}\n`,
      read: (t) => JSON.parse(t)["amp.mcpServers"],
    },
    {
      executor: "COPILOT",
      scope: "global",
      file: () => join(home, ".copilot/mcp-config.json"),
      original: `{\n  "mcpServers": {\n    "kept": { "type": "local", "command": "kept-server", "tools": ["*"] }\n  }\n}\n`,
      read: (t) => JSON.parse(t).mcpServers,
    },
  ];

  function jsonc(text: string): Json {
    // The test's own reading of JSONC: comments and trailing commas dropped (none of these hold `//` in strings).
    return JSON.parse(
      text
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/^\s*\/\/.*$/gm, "")
        .replace(/,(\s*[}\]])/g, "$1"),
    );
  }

  for (const testCase of cases) {
    it(`${testCase.executor} (${testCase.scope}): add, disable, enable, update and remove keep the rest of the file`, async () => {
      const file = testCase.file();
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, testCase.original);
      const base = `/api/mcp/executors/${testCase.executor}/servers`;
      const query = `?scope=${testCase.scope}${testCase.scope === WS ? `&workspace_path=${encodeURIComponent(project)}` : ""}`;

      const listed = await call(`${base}${query}`);
      expect(listed.status).toBe(200);
      expect(listed.json).toMatchObject({ path: file, exists: true, total: 1 });
      expect(listed.json.servers[0]).toMatchObject({ name: "kept", enabled: true });

      const added = await call(`${base}${query}`, "POST", {
        name: "fresh",
        command: "fresh-server",
        args: ["--port", "0"],
        env: { API_KEY: SECRET },
      });
      expect(added.status).toBe(201);
      expect(added.json).toMatchObject({
        name: "fresh",
        type: "stdio",
        enabled: true,
        env: { API_KEY: "***" },
      });
      const withFresh = await readFile(file, "utf8");
      const native = testCase.read(withFresh).fresh;
      expect(JSON.stringify(native)).toContain("fresh-server");
      expect(JSON.stringify(native)).toContain(SECRET);
      expect(testCase.read(withFresh).kept).toEqual(testCase.read(testCase.original).kept);
      // Every line of the original is still there (comments included).
      for (const line of testCase.original.split("\n")) expect(withFresh).toContain(line.replace(/,$/, ""));

      // A name in use is a conflict; bad input names its field.
      expect((await call(`${base}${query}`, "POST", { name: "fresh", command: "x" })).status).toBe(409);
      const bad = await call(`${base}${query}`, "POST", { name: "nope", type: "http" });
      expect(bad.status).toBe(400);
      expect(bad.json.error).toContain("url");

      const disabled = await call(`${base}/fresh/disable${query}`, "POST");
      expect(disabled.status).toBe(200);
      expect(disabled.json).toMatchObject({ name: "fresh", enabled: false });
      const afterDisable = (await call(`${base}${query}`)).json.servers.find((s: Json) => s.name === "fresh");
      expect(afterDisable).toMatchObject({ enabled: false, env: { API_KEY: "***" } });

      const enabled = await call(`${base}/fresh/enable${query}`, "POST");
      expect(enabled.json).toMatchObject({ name: "fresh", enabled: true });
      expect(JSON.stringify(testCase.read(await readFile(file, "utf8")).fresh)).toContain(SECRET);

      // A patch that sends the masked secret back keeps it, and changes what it names.
      const patched = await call(`${base}/fresh${query}`, "PATCH", {
        args: ["--port", "1"],
        env: { API_KEY: "***" },
      });
      expect(patched.status).toBe(200);
      const patchedNative = JSON.stringify(testCase.read(await readFile(file, "utf8")).fresh);
      expect(patchedNative).toContain(SECRET);
      expect(patchedNative).toContain('"1"');

      const removed = await call(`${base}/fresh${query}`, "DELETE");
      expect(removed.json).toMatchObject({ success: true, deleted: "fresh" });
      expect(await readFile(file, "utf8")).toBe(testCase.original);
      expect((await call(`${base}/fresh${query}`, "DELETE")).status).toBe(404);
    });
  }

  it("sets a server aside when the executor's file has no switch, and restores it as it was", async () => {
    const file = join(project, ".mcp.json");
    const original = `{\n  "mcpServers": {\n    "kept": { "command": "kept-server" }\n  }\n}\n`;
    await writeFile(file, original);
    const path = `/api/mcp/executors/CLAUDE_CODE/servers/kept?scope=workspace&workspace_path=${encodeURIComponent(project)}`;
    const off = await call(path.replace("/kept?", "/kept/disable?"), "POST");
    expect(off.json).toMatchObject({ enabled: false, disabled_in: "gateway" });
    expect(JSON.parse(await readFile(file, "utf8")).mcpServers).toEqual({});
    expect(await readFile(join(home, ".viben/mcp-disabled.yaml"), "utf8")).toContain("kept-server");
    await call(path.replace("/kept?", "/kept/enable?"), "POST");
    expect(JSON.parse(await readFile(file, "utf8")).mcpServers).toEqual({ kept: { command: "kept-server" } });
  });

  it("refuses to rewrite a file that does not parse, and leaves it alone", async () => {
    const file = join(home, ".cursor/mcp.json");
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, '{ "mcpServers": { "a": ');
    const answer = await call("/api/mcp/executors/CURSOR_AGENT/servers", "POST", { name: "b", command: "b" });
    expect(answer.status).toBe(422);
    expect(answer.json.code).toBe("MCP_CONFIG_INVALID");
    expect(await readFile(file, "utf8")).toBe('{ "mcpServers": { "a": ');
  });

  it("tests a stdio server started from the MCP SDK and lists its tools, prompts and resources", async () => {
    const pidFile = join(home, "catalog.pid");
    const answer = await call("/api/mcp/test", "POST", {
      name: "catalog",
      ...catalogServerCommand({ MCP_CATALOG_PID_FILE: pidFile, API_KEY: SECRET }),
      workspace_path: project,
      timeout_ms: 60_000,
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      ok: true,
      name: "catalog",
      transport: "stdio",
      server_info: { name: "catalog", version: "2.3.4" },
      instructions: "A fixture catalog.",
      tools: [{ name: "add", description: "Adds two numbers." }],
      prompts: [{ name: "greet" }],
      resources: [{ uri: "catalog://readme", name: "readme" }],
      resource_templates: [{ uriTemplate: "catalog://items/{id}", name: "item" }],
    });
    expect(answer.json.tools[0].input_schema.properties).toHaveProperty("a");
    // The server process is gone once the test answered.
    const pid = Number(await readFile(pidFile, "utf8"));
    await eventually(async () => expect(existsSync(`/proc/${pid}`)).toBe(false));
  });

  it("tests a saved streamable HTTP server with a ${VAR} header, and answers 502 when it refuses", async () => {
    const http = await startCatalogHttpServer({ token: TOKEN });
    try {
      const added = await call(`/api/mcp/servers`, "POST", {
        name: "remote",
        url: http.url,
        headers: { Authorization: "Bearer ${MCP_TOKEN}" },
      });
      expect(added.status).toBe(201);
      // Only a whole `${VAR}` is shown as written; a header built around one is masked like any secret.
      expect(added.json).toMatchObject({ source: "global", headers: { Authorization: "***" } });
      const tested = await call("/api/mcp/servers/remote/test?timeout_ms=60000", "POST");
      expect(tested.status).toBe(200);
      expect(tested.json).toMatchObject({ ok: true, transport: "http", tools: [{ name: "add" }] });

      await call("/api/mcp/servers/remote", "PATCH", { headers: { Authorization: "Bearer wrong-token" } });
      const refused = await call("/api/mcp/servers/remote/test?timeout_ms=60000", "POST");
      expect(refused.status).toBe(502);
      expect(refused.json).toMatchObject({ code: "MCP_SERVER_UNREACHABLE" });
      expect(refused.json.error).toContain("remote");
    } finally {
      await http.close();
    }
  });

  it("answers 504 when a server does not answer within the timeout, and ends its process", async () => {
    const pidFile = join(home, "silent.pid");
    const silent = `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); process.stdin.resume();`;
    const answer = await call("/api/mcp/test", "POST", {
      name: "silent",
      command: process.execPath,
      args: ["-e", silent],
      timeout_ms: 1500,
    });
    expect(answer.status).toBe(504);
    expect(answer.json).toMatchObject({
      code: "MCP_TEST_TIMEOUT",
      details: { name: "silent", timeout_ms: 1500 },
    });
    const pid = Number(await readFile(pidFile, "utf8"));
    await eventually(async () => expect(existsSync(`/proc/${pid}`)).toBe(false));
  });

  it("answers 502 for a stdio command that does not exist", async () => {
    const answer = await call("/api/mcp/test", "POST", {
      name: "ghost",
      command: join(home, "no-such-binary"),
    });
    expect(answer.status).toBe(502);
    expect(answer.json.code).toBe("MCP_SERVER_UNREACHABLE");
  });
});
