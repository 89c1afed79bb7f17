import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayProcess, makeTempHome, startGatewayProcess } from "../../helpers/gateway-process.js";
import { buildVibenPackage, type VibenPackage, viben } from "../../helpers/viben-cli.js";

let pkg: VibenPackage;
let home: string;
let gw: GatewayProcess;

beforeAll(async () => {
  [pkg, home] = await Promise.all([buildVibenPackage(), makeTempHome()]);
  gw = await startGatewayProcess({ home });
});
afterAll(async () => {
  await gw?.stop();
  await pkg?.cleanup();
  if (home) await rm(home, { recursive: true, force: true });
});

const run = (args: string[]) => viben(pkg, ["--url", gw.url, ...args], { home });
const runJson = async (args: string[]) => {
  const result = await run(["--json", ...args]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
};

describe("viben agent, executors, models, sessions (over the gateway's API)", () => {
  it("creates, lists, shows, makes default and deletes an agent", async () => {
    const created = await run([
      "agent",
      "create",
      "Reviewer",
      "--id",
      "reviewer",
      "--prompt",
      "Review diffs.",
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain("created reviewer (global)");

    const table = await run(["agent", "list"]);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+EXECUTOR\s+SCOPE\s+AVAILABLE$/m);
    expect(table.stdout).toMatch(/^reviewer\s+Reviewer\s+CLAUDE_CODE\s+global\s+(yes|no)$/m);
    expect(table.stdout).not.toContain("\u001b[");
    const listed = await runJson(["agent", "list"]);
    expect(listed.agents.map((a: { id: string }) => a.id)).toEqual(["reviewer"]);

    const shown = await run(["agent", "show", "reviewer"]);
    expect(shown.stdout).toContain("append_prompt: Review diffs.");

    expect((await run(["agent", "default", "reviewer"])).code).toBe(0);
    expect((await run(["agent", "default"])).stdout.trim()).toBe("reviewer");
    expect((await runJson(["agent", "default"])).agent_id).toBe("reviewer");

    const removed = await run(["agent", "delete", "reviewer"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await runJson(["agent", "list"])).agents).toEqual([]);
  });

  it("prints the error envelope's message and exits 1 when the gateway refuses", async () => {
    const missing = await run(["agent", "show", "nobody"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/viben: AGENT_NOT_FOUND: /);
    const bad = await run(["agent", "create", "X", "--id", "../escape"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/viben: \w+: /);
  });

  it("lists executors, models and sessions as tables or JSON", async () => {
    const executors = await runJson(["executors"]);
    expect(executors.executors.map((e: { id: string }) => e.id)).toContain("CLAUDE_CODE");
    expect((await run(["executors"])).stdout).toMatch(/^CLAUDE_CODE\s+\w+/m);
    const models = await runJson(["models"]);
    expect(models.models.length).toBeGreaterThan(0);
    expect((await run(["models"])).stdout).toMatch(/^ID\s+PROVIDER/);
    const sessions = await runJson(["sessions", "--limit", "5"]);
    expect(sessions).toEqual({ sessions: [], total: 0 });
    expect((await run(["sessions"])).stdout.trim()).toBe("(none)");
  });
});
