import { describe, expect, it } from "vitest";
import { setJsonServer } from "../../../runtime/mcp/json-config-edit.js";
import { headerPath, setTomlServer } from "../../../runtime/mcp/toml-config-edit.js";

const FILE = "/home/tester/.codex/config.toml";

describe("Codex config.toml edits, one [mcp_servers.<name>] table at a time", () => {
  const original = [
    "# top comment",
    'model = "gpt-5"',
    "",
    "[mcp_servers.first]",
    'command = "one"',
    "",
    '[mcp_servers."my.server"]',
    'command = "two"',
    '[mcp_servers."my.server".env]',
    'K = "v"',
    "",
    "# about the profile",
    "[profiles.p]",
    'model = "x"',
    "",
  ].join("\n");

  it("reads header key paths, quoted and bare", () => {
    expect(headerPath('[mcp_servers."my.server".env]')).toEqual(["mcp_servers", "my.server", "env"]);
    expect(headerPath("[[ a . 'b c' ]]")).toEqual(["a", "b c"]);
    expect(headerPath('key = "[x]"')).toBeUndefined();
  });

  it("replaces a server's tables (sub-tables included) in place and removes it without touching its neighbours", async () => {
    const replaced = await setTomlServer(
      original,
      "mcp_servers",
      "my.server",
      { url: "http://127.0.0.1:1/mcp" },
      FILE,
    );
    expect(replaced).toBe(
      original.replace(
        '[mcp_servers."my.server"]\ncommand = "two"\n[mcp_servers."my.server".env]\nK = "v"',
        '[mcp_servers."my.server"]\nurl = "http://127.0.0.1:1/mcp"',
      ),
    );
    const removed = await setTomlServer(original, "mcp_servers", "my.server", undefined, FILE);
    expect(removed).toBe(
      original.replace(
        '[mcp_servers."my.server"]\ncommand = "two"\n[mcp_servers."my.server".env]\nK = "v"\n\n',
        "",
      ),
    );
    const added = await setTomlServer(
      original,
      "mcp_servers",
      "new",
      { command: "n", env: { A: "b" } },
      FILE,
    );
    expect(added).toBe(`${original}\n[mcp_servers.new]\ncommand = "n"\nenv = {A = "b"}\n`);
  });

  it("refuses a server written inline and a file that does not parse", async () => {
    const inline = 'mcp_servers.inline = { command = "x" }\n';
    await expect(
      setTomlServer(inline, "mcp_servers", "inline", { command: "y" }, FILE),
    ).rejects.toMatchObject({
      code: "MCP_CONFIG_INLINE_SERVER",
    });
    await expect(
      setTomlServer("[broken\n", "mcp_servers", "a", { command: "y" }, FILE),
    ).rejects.toMatchObject({
      code: "MCP_CONFIG_INVALID",
    });
  });
});

describe("JSON edits keep everything but the one entry", () => {
  it("adds into an empty file and into a map written inline", async () => {
    expect(JSON.parse(await setJsonServer(null, ["mcpServers"], "a", { command: "x" }, "f"))).toEqual({
      mcpServers: { a: { command: "x" } },
    });
    const inline = '{"mcpServers": {"a": {"command": "x"}}, "other": 1}';
    const next = await setJsonServer(inline, ["mcpServers"], "b", { command: "y" }, "f");
    expect(JSON.parse(next)).toEqual({ mcpServers: { a: { command: "x" }, b: { command: "y" } }, other: 1 });
    expect(await setJsonServer(next, ["mcpServers"], "b", undefined, "f")).toBe(inline);
  });
});
