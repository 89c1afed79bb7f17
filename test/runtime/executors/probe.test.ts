import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { claudeCode } from "../../../runtime/executors/adapters/claude-code.js";
import { codex } from "../../../runtime/executors/adapters/codex.js";
import { copilot } from "../../../runtime/executors/adapters/copilot.js";
import { cursorAgent } from "../../../runtime/executors/adapters/cursor-agent.js";
import { probeExecutor } from "../../../runtime/executors/probe.js";
import type { ExecutorDescriptor } from "../../../runtime/executors/types.js";
import type { ExecutorOverride } from "../../../storage/executor-overrides.js";
import { makeDir, makeExecutable, TempDirs, writeFileAt } from "./fixtures.js";

const AUTH_TIME = 1770741923;

describe("probeExecutor", () => {
  const dirs = new TempDirs();
  let home: string;
  let bin: string;

  beforeEach(async () => {
    home = await dirs.make("home");
    bin = await dirs.make("bin");
  });
  afterEach(() => dirs.cleanup());

  const probe = (
    descriptor: ExecutorDescriptor,
    options: { workspacePath?: string; override?: ExecutorOverride; env?: Record<string, string> } = {},
  ) =>
    probeExecutor(descriptor, {
      home,
      env: { PATH: bin, ...options.env },
      workspacePath: options.workspacePath ?? home,
      override: options.override ?? null,
    });

  describe("availability", () => {
    it("reports NOT_INSTALLED with nothing on disk", async () => {
      const info = await probe(claudeCode);
      expect(info).toEqual({
        id: "CLAUDE_CODE",
        name: "Claude Code",
        availability: { type: "NOT_INSTALLED" },
        supports_mcp: true,
        capabilities: ["SessionFork", "ContextUsage"],
        features: ["chat", "code", "tools", "streaming", "mcp"],
        has_workspace_config: false,
        workspace_path: home,
        global_config_path: join(home, ".claude"),
        mcp_server_count: 0,
        skill_count: 0,
      });
    });

    it("reports INSTALLATION_FOUND and the command when the binary is on PATH", async () => {
      const other = await dirs.make("other-bin");
      const claude = await makeExecutable(bin, "claude");
      const info = await probe(claudeCode, { env: { PATH: [other, bin].join(":") } });
      expect(info.availability).toEqual({ type: "INSTALLATION_FOUND" });
      expect(info.command).toBe(claude);
    });

    it("ignores a file on PATH that is not executable", async () => {
      await makeExecutable(bin, "claude", 0o644);
      const info = await probe(claudeCode);
      expect(info.availability).toEqual({ type: "NOT_INSTALLED" });
      expect(info.command).toBeUndefined();
    });

    it("reports INSTALLATION_FOUND when only the global config dir exists", async () => {
      await makeDir(join(home, ".claude"));
      const info = await probe(claudeCode);
      expect(info.availability).toEqual({ type: "INSTALLATION_FOUND" });
      expect(info.command).toBeUndefined();
    });

    it("reports LOGIN_DETECTED with the credentials file's mtime", async () => {
      await makeExecutable(bin, "claude");
      await writeFileAt(join(home, ".claude/.credentials.json"), "{}", AUTH_TIME);
      const info = await probe(claudeCode);
      expect(info.availability).toEqual({ type: "LOGIN_DETECTED", last_auth_timestamp: AUTH_TIME });
    });

    it("finds Cursor under either binary name, preferring cursor-agent", async () => {
      const agent = await makeExecutable(bin, "agent");
      expect((await probe(cursorAgent)).command).toBe(agent);
      const cursor = await makeExecutable(bin, "cursor-agent");
      expect((await probe(cursorAgent)).command).toBe(cursor);
    });

    it("reads Codex credentials and config from CODEX_HOME when set", async () => {
      const codexHome = await dirs.make("codex-home");
      await writeFileAt(join(codexHome, "auth.json"), "{}", AUTH_TIME);
      await writeFileAt(join(home, ".codex/auth.json"), "{}", AUTH_TIME - 100);
      const info = await probe(codex, { env: { CODEX_HOME: codexHome } });
      expect(info.availability).toEqual({ type: "LOGIN_DETECTED", last_auth_timestamp: AUTH_TIME });
      expect(info.global_config_path).toBe(codexHome);
    });

    it("reads Codex credentials from ~/.codex without CODEX_HOME", async () => {
      await writeFileAt(join(home, ".codex/auth.json"), "{}", AUTH_TIME);
      const info = await probe(codex);
      expect(info.availability).toEqual({ type: "LOGIN_DETECTED", last_auth_timestamp: AUTH_TIME });
      expect(info.global_config_path).toBe(join(home, ".codex"));
    });
  });

  describe("overrides", () => {
    it("uses an override command given as an absolute path", async () => {
      const tools = await dirs.make("tools");
      const custom = await makeExecutable(tools, "my-claude");
      const info = await probe(claudeCode, { override: { command: custom } });
      expect(info.availability).toEqual({ type: "INSTALLATION_FOUND" });
      expect(info.command).toBe(custom);
    });

    it("searches PATH for an override command given as a bare name", async () => {
      await makeExecutable(bin, "claude");
      const custom = await makeExecutable(bin, "claude-nightly");
      expect((await probe(claudeCode, { override: { command: "claude-nightly" } })).command).toBe(custom);
    });

    it("resolves ~/ in an override command against HOME", async () => {
      const custom = await makeExecutable(join(home, "tools"), "claude");
      expect((await probe(claudeCode, { override: { command: "~/tools/claude" } })).command).toBe(custom);
    });

    it("does not fall back to PATH when the override command is missing", async () => {
      await makeExecutable(bin, "claude");
      const info = await probe(claudeCode, { override: { command: join(home, "missing/claude") } });
      expect(info.availability).toEqual({ type: "NOT_INSTALLED" });
      expect(info.command).toBeUndefined();
    });

    it("reports NOT_INSTALLED when the override disables the executor", async () => {
      await makeExecutable(bin, "claude");
      await writeFileAt(join(home, ".claude/.credentials.json"), "{}", AUTH_TIME);
      const info = await probe(claudeCode, { override: { disabled: true } });
      expect(info.availability).toEqual({ type: "NOT_INSTALLED" });
      expect(info.command).toBeUndefined();
      expect(info.global_config_path).toBe(join(home, ".claude"));
    });
  });

  describe("workspace configuration", () => {
    it("reports the workspace's .claude directory", async () => {
      const ws = await dirs.make("ws");
      await makeDir(join(ws, ".claude"));
      await writeFileAt(join(ws, ".mcp.json"), "{}");
      const info = await probe(claudeCode, { workspacePath: ws });
      expect(info.has_workspace_config).toBe(true);
      expect(info.workspace_config_path).toBe(join(ws, ".claude"));
      expect(info.workspace_path).toBe(ws);
      expect(info.global_config_path).toBe(join(home, ".claude"));
    });

    it("falls back to the next entry that exists", async () => {
      const ws = await dirs.make("ws");
      await writeFileAt(join(ws, ".mcp.json"), "{}");
      const info = await probe(claudeCode, { workspacePath: ws });
      expect(info.workspace_config_path).toBe(join(ws, ".mcp.json"));
    });

    it("reports the first Copilot entry in order", async () => {
      const ws = await dirs.make("ws");
      await makeDir(join(ws, ".copilot"));
      expect((await probe(copilot, { workspacePath: ws })).workspace_config_path).toBe(join(ws, ".copilot"));
      await writeFileAt(join(ws, ".github/copilot-instructions.md"), "Be brief.");
      expect((await probe(copilot, { workspacePath: ws })).workspace_config_path).toBe(
        join(ws, ".github/copilot-instructions.md"),
      );
    });

    it("answers with HOME when the workspace has no configuration", async () => {
      const ws = await dirs.make("ws");
      const info = await probe(claudeCode, { workspacePath: ws });
      expect(info.has_workspace_config).toBe(false);
      expect(info.workspace_config_path).toBeUndefined();
      expect(info.workspace_path).toBe(home);
    });

    it("sees no separate workspace configuration when the workspace is HOME", async () => {
      await makeDir(join(home, ".claude"));
      const info = await probe(claudeCode, { workspacePath: `${home}/` });
      expect(info.has_workspace_config).toBe(false);
      expect(info.workspace_config_path).toBeUndefined();
      expect(info.workspace_path).toBe(home);
    });
  });
});
