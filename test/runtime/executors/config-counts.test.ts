import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { amp } from "../../../runtime/executors/adapters/amp.js";
import { claudeCode } from "../../../runtime/executors/adapters/claude-code.js";
import { codex } from "../../../runtime/executors/adapters/codex.js";
import { copilot } from "../../../runtime/executors/adapters/copilot.js";
import { cursorAgent } from "../../../runtime/executors/adapters/cursor-agent.js";
import { gemini } from "../../../runtime/executors/adapters/gemini.js";
import { opencode } from "../../../runtime/executors/adapters/opencode.js";
import { qwenCode } from "../../../runtime/executors/adapters/qwen-code.js";
import { probeExecutor } from "../../../runtime/executors/probe.js";
import type { ExecutorDescriptor } from "../../../runtime/executors/types.js";
import { makeDir, servers, TempDirs, writeFileAt, writeJson } from "./fixtures.js";

describe("MCP server and skill counts", () => {
  const dirs = new TempDirs();
  let home: string;
  let ws: string;

  beforeEach(async () => {
    home = await dirs.make("home");
    ws = await dirs.make("ws");
  });
  afterEach(() => dirs.cleanup());

  const probe = (descriptor: ExecutorDescriptor, workspacePath = ws, env: Record<string, string> = {}) =>
    probeExecutor(descriptor, { home, env: { PATH: "", ...env }, workspacePath });

  describe("MCP servers", () => {
    it("adds Claude's user, per-project and workspace servers", async () => {
      await writeJson(join(home, ".claude.json"), {
        mcpServers: servers("a", "b"),
        projects: {
          [ws]: { mcpServers: servers("c") },
          "/somewhere/else": { mcpServers: servers("d", "e") },
        },
      });
      await writeJson(join(ws, ".mcp.json"), { mcpServers: servers("f", "g") });
      expect((await probe(claudeCode)).mcp_server_count).toBe(5);
    });

    it("counts only Claude's user and home-project servers in the home workspace", async () => {
      await writeJson(join(home, ".claude.json"), {
        mcpServers: servers("a"),
        projects: { [home]: { mcpServers: servers("b") }, [ws]: { mcpServers: servers("c") } },
      });
      expect((await probe(claudeCode, home)).mcp_server_count).toBe(2);
    });

    it("adds Cursor's global and workspace mcp.json, once each in the home workspace", async () => {
      await writeJson(join(home, ".cursor/mcp.json"), { mcpServers: servers("a", "b") });
      await writeJson(join(ws, ".cursor/mcp.json"), { mcpServers: servers("c") });
      expect((await probe(cursorAgent)).mcp_server_count).toBe(3);
      expect((await probe(cursorAgent, home)).mcp_server_count).toBe(2);
    });

    it("counts Codex's [mcp_servers.<name>] tables in config.toml", async () => {
      await writeFileAt(
        join(home, ".codex/config.toml"),
        [
          'model = "gpt-5"',
          "[mcp_servers.docs]",
          'command = "docs-mcp"',
          "[mcp_servers.github]",
          'url = "https://example.test/mcp"',
          "[mcp_servers.github.env]",
          'TOKEN = "x"',
          "[profiles.fast]",
          'model = "gpt-5-mini"',
        ].join("\n"),
      );
      expect((await probe(codex)).mcp_server_count).toBe(2);
    });

    it("reads Codex's config.toml from CODEX_HOME", async () => {
      const codexHome = await dirs.make("codex-home");
      await writeFileAt(join(codexHome, "config.toml"), '[mcp_servers.one]\ncommand = "one"\n');
      expect((await probe(codex, ws, { CODEX_HOME: codexHome })).mcp_server_count).toBe(1);
    });

    it("adds Gemini's global and workspace settings.json, comments and trailing commas allowed", async () => {
      await writeJson(join(home, ".gemini/settings.json"), { mcpServers: servers("a"), theme: "dark" });
      await writeFileAt(
        join(ws, ".gemini/settings.json"),
        '{\n  // project servers\n  "mcpServers": {\n    "b": { "url": "http://x/*y*/" },\n    "c": {},\n  },\n}\n',
      );
      expect((await probe(gemini)).mcp_server_count).toBe(3);
    });

    it("reads Amp's flat amp.mcpServers key", async () => {
      await writeJson(join(home, ".config/amp/settings.json"), {
        "amp.mcpServers": servers("a", "b"),
        "amp.notifications.enabled": false,
      });
      expect((await probe(amp)).mcp_server_count).toBe(2);
    });

    it("reads Qwen, Copilot and OpenCode locations", async () => {
      await writeJson(join(home, ".qwen/settings.json"), { mcpServers: servers("a") });
      await writeJson(join(ws, ".qwen/settings.json"), { mcpServers: servers("b") });
      await writeJson(join(home, ".copilot/mcp-config.json"), { mcpServers: servers("a", "b", "c") });
      await writeJson(join(home, ".config/opencode/opencode.json"), { mcp: servers("a") });
      await writeJson(join(ws, "opencode.json"), { mcp: servers("b", "c") });
      expect((await probe(qwenCode)).mcp_server_count).toBe(2);
      expect((await probe(copilot)).mcp_server_count).toBe(3);
      expect((await probe(opencode)).mcp_server_count).toBe(3);
    });

    it("counts malformed files and unexpected shapes as 0", async () => {
      await writeFileAt(join(home, ".claude.json"), "{ not json");
      await writeJson(join(ws, ".mcp.json"), { mcpServers: ["a", "b"] });
      await writeFileAt(join(home, ".codex/config.toml"), "[[[mcp_servers");
      await writeJson(join(home, ".gemini/settings.json"), "just a string");
      await writeJson(join(ws, ".gemini/settings.json"), { mcpServers: null });
      await writeFileAt(join(home, ".cursor/mcp.json"), "");
      await makeDir(join(ws, ".cursor/mcp.json"));
      for (const descriptor of [claudeCode, codex, gemini, cursorAgent]) {
        expect((await probe(descriptor)).mcp_server_count).toBe(0);
      }
    });
  });

  describe("skills", () => {
    it("counts sub-directories holding SKILL.md, global and workspace", async () => {
      await writeFileAt(join(home, ".claude/skills/review/SKILL.md"), "# Review");
      await writeFileAt(join(home, ".claude/skills/deploy/SKILL.md"), "# Deploy");
      await makeDir(join(home, ".claude/skills/empty"));
      await writeFileAt(join(home, ".claude/skills/notes.md"), "not a skill");
      await writeFileAt(join(home, ".claude/skills/odd/SKILL.md/inner"), "a directory named SKILL.md");
      await writeFileAt(join(ws, ".claude/skills/lint/SKILL.md"), "# Lint");
      expect((await probe(claudeCode)).skill_count).toBe(3);
      expect((await probe(claudeCode, home)).skill_count).toBe(2);
    });

    it("follows symlinked skill folders", async () => {
      const shared = await dirs.make("shared-skill");
      await writeFileAt(join(shared, "SKILL.md"), "# Shared");
      await makeDir(join(home, ".codex/skills"));
      await symlink(shared, join(home, ".codex/skills/shared"));
      expect((await probe(codex)).skill_count).toBe(1);
    });
  });
});
