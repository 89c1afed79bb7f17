import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createExecutorCatalog } from "../../../runtime/executors/catalog.js";
import { fsBackends } from "../../../storage/drivers/fs-atomic.js";
import { EXECUTOR_IDS, type ExecutorId } from "../../../storage/executor-types.js";
import { Scopes } from "../../../storage/scopes.js";
import { makeDir, makeExecutable, TempDirs, writeFileAt } from "./fixtures.js";

describe("createExecutorCatalog", () => {
  const dirs = new TempDirs();
  let home: string;
  let bin: string;
  let scopes: Scopes;
  let clock: number;

  beforeEach(async () => {
    home = await dirs.make("home");
    bin = await dirs.make("bin");
    scopes = new Scopes({ home, globalRoot: join(home, ".viben"), backend: fsBackends() });
    clock = 1_000_000;
  });
  afterEach(async () => {
    await scopes.dispose();
    await dirs.cleanup();
  });

  const catalog = (ttlMs?: number) =>
    createExecutorCatalog({
      home,
      env: { PATH: bin },
      globalScope: scopes.global(),
      ttlMs,
      now: () => clock,
    });

  const availabilityOf = async (id: ExecutorId, workspacePath = home, executors = catalog()) =>
    (await executors.get(id, workspacePath)).availability.type;

  it("lists every known executor in order", async () => {
    const infos = await catalog().list(home);
    expect(infos.map((info) => info.id)).toEqual([...EXECUTOR_IDS]);
    expect(infos.every((info) => info.availability.type === "NOT_INSTALLED")).toBe(true);
  });

  it("probes each executor", async () => {
    await makeExecutable(bin, "gemini");
    await writeFileAt(join(home, ".qwen/oauth_creds.json"), "{}", 1770000000);
    const byId = new Map((await catalog().list(home)).map((info) => [info.id, info]));
    expect(byId.get("GEMINI")?.availability).toEqual({ type: "INSTALLATION_FOUND" });
    expect(byId.get("GEMINI")?.command).toBe(join(bin, "gemini"));
    expect(byId.get("QWEN_CODE")?.availability).toEqual({
      type: "LOGIN_DETECTED",
      last_auth_timestamp: 1770000000,
    });
  });

  it("reuses a workspace's results until the TTL has passed", async () => {
    const executors = catalog(2000);
    expect(await availabilityOf("CLAUDE_CODE", home, executors)).toBe("NOT_INSTALLED");
    await makeExecutable(bin, "claude");
    clock += 2000;
    expect(await availabilityOf("CLAUDE_CODE", home, executors)).toBe("NOT_INSTALLED");
    // lru-cache's rule: an entry is stale once it is older than the TTL.
    clock += 1;
    expect(await availabilityOf("CLAUDE_CODE", home, executors)).toBe("INSTALLATION_FOUND");
  });

  it("caches each workspace separately", async () => {
    const ws = await dirs.make("ws");
    const executors = catalog();
    expect((await executors.get("CURSOR_AGENT", ws)).has_workspace_config).toBe(false);
    await makeDir(join(ws, ".cursor"));
    const other = await dirs.make("ws-other");
    await makeDir(join(other, ".cursor"));
    expect((await executors.get("CURSOR_AGENT", ws)).has_workspace_config).toBe(false);
    expect((await executors.get("CURSOR_AGENT", other)).workspace_config_path).toBe(join(other, ".cursor"));
  });

  it("hands out copies, so callers cannot alter the cache", async () => {
    const executors = catalog();
    const first = await executors.list(home);
    first[0]!.capabilities.push("Changed");
    first[0]!.availability.type = "LOGIN_DETECTED";
    const again = await executors.get("CLAUDE_CODE", home);
    expect(again.capabilities).toEqual(["SessionFork", "ContextUsage"]);
    expect(again.availability.type).toBe("NOT_INSTALLED");
  });

  it("accepts id aliases", async () => {
    const info = await catalog().get("cursor" as ExecutorId, home);
    expect(info.id).toBe("CURSOR_AGENT");
  });

  it("rejects unknown ids", async () => {
    await expect(catalog().get("NOPE" as ExecutorId, home)).rejects.toThrow(/unknown executor/);
  });

  it("applies overrides from ~/.viben/executors/<ID>.yaml", async () => {
    const tools = await dirs.make("tools");
    const custom = await makeExecutable(tools, "claude-wrapper");
    await makeExecutable(bin, "codex");
    await writeFileAt(
      join(home, ".viben/executors/CLAUDE_CODE.yaml"),
      `command: ${custom}\nargs: [--verbose]\n`,
    );
    await writeFileAt(join(home, ".viben/executors/CODEX.yaml"), "disabled: true\n");
    const executors = catalog();
    const claude = await executors.get("CLAUDE_CODE", home);
    expect(claude.availability.type).toBe("INSTALLATION_FOUND");
    expect(claude.command).toBe(custom);
    const codex = await executors.get("CODEX", home);
    expect(codex.availability.type).toBe("NOT_INSTALLED");
    expect(codex.command).toBeUndefined();
  });

  it("ignores a malformed override file", async () => {
    await makeExecutable(bin, "amp");
    await writeFileAt(join(home, ".viben/executors/AMP.yaml"), "disabled: [unclosed\n");
    expect(await availabilityOf("AMP")).toBe("INSTALLATION_FOUND");
  });
});
