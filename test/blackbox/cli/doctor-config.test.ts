import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { makeTempHome } from "../../helpers/gateway-process.js";
import { buildVibenPackage, type VibenPackage, viben } from "../../helpers/viben-cli.js";

let pkg: VibenPackage;
const homes: string[] = [];

beforeAll(async () => {
  pkg = await buildVibenPackage();
});
afterAll(async () => {
  await pkg?.cleanup();
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

const newHome = async () => {
  const home = await makeTempHome("viben-cli-doctor-");
  homes.push(home);
  await mkdir(join(home, ".viben"), { recursive: true });
  return home;
};

// No executor CLI on PATH: only node's own folder (the CLI's child processes need nothing else).
const bareEnv = {
  PATH: `${process.execPath.replace(/\/node$/, "")}:/usr/bin:/bin`,
  VIBEN_URL: "http://127.0.0.1:9",
};

describe("viben doctor", () => {
  it("reports a missing executor with its install command and an invalid config line, and exits 1", async () => {
    const home = await newHome();
    await writeFile(join(home, ".viben/gateway.yaml"), "bind: 127.0.0.1\nqueue:\n  concurrency: many\n");
    const result = await viben(pkg, ["doctor"], { home, env: bareEnv });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("CLAUDE_CODE: not installed (claude is not on PATH)");
    expect(result.stdout).toContain("fix: npm install -g @anthropic-ai/claude-code");
    expect(result.stdout).toContain(`gateway.yaml:3:16: error: queue.concurrency`);

    const json = await viben(pkg, ["doctor", "--json"], { home, env: bareEnv });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: Array<Record<string, string>> };
    expect(report.ok).toBe(false);
    expect(report.checks).toContainEqual(
      expect.objectContaining({
        area: "config",
        status: "fail",
        fix: expect.stringContaining("edit line 3"),
      }),
    );
    expect(report.checks).toContainEqual(
      expect.objectContaining({
        area: "executors",
        name: "CODEX",
        status: "warn",
        fix: "npm install -g @openai/codex",
      }),
    );
  });
});

describe("viben config", () => {
  it("init writes every setting with its default, all commented out, and refuses to overwrite", async () => {
    const home = await newHome();
    const file = join(home, ".viben/gateway.yaml");
    const init = await viben(pkg, ["config", "init"], { home });
    expect(init.code, init.stderr).toBe(0);
    const text = await readFile(file, "utf8");
    // Commented out: as written it sets nothing.
    expect(parse(text)).toBeNull();
    expect(text).toContain("# port: 18790");
    expect(text).toContain("#   concurrency: 4");
    // Uncommenting the settings gives a file the gateway accepts.
    // (heartbeat needs a prompt, which has no default; sections left with no setting are dropped.)
    const settings = text
      .split("\n")
      .filter((line) => /^# +[a-z_]+:/.test(line) && !line.includes("(unset)"))
      .map((line) => line.slice(2));
    const heartbeat = settings.indexOf("heartbeat:");
    const kept = settings.filter((line, index) => {
      if (
        index > heartbeat &&
        line.startsWith("  ") &&
        !settings.slice(heartbeat + 1, index).some((l) => !l.startsWith("  "))
      )
        return false;
      if (line === "heartbeat:") return false;
      return line.startsWith("  ") || line.includes(": ") || settings[index + 1]?.startsWith("  ");
    });
    const uncommented = kept.join("\n");
    await writeFile(file, `${uncommented}\n`);
    const check = await viben(pkg, ["config", "check", "--json"], { home });
    expect(check.code, check.stdout).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, problems: [] });

    const again = await viben(pkg, ["config", "init"], { home });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists; add --force");
    const forced = await viben(pkg, ["config", "init", "--force"], { home });
    expect(forced.code).toBe(0);
    expect(await readFile(file, "utf8")).toBe(text);
  });

  it("check names the line of each problem and exits 1", async () => {
    const home = await newHome();
    await writeFile(join(home, ".viben/gateway.yaml"), "port: 80000\nqueu:\n  concurrency: 2\n");
    const check = await viben(pkg, ["config", "check"], { home });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("gateway.yaml:1:7: error: port:");
    expect(check.stdout).toContain("gateway.yaml:2:1: warning: queu: unknown setting 'queu'");
    const broken = await newHome();
    await writeFile(join(broken, ".viben/gateway.yaml"), "port: [1\n");
    const syntax = await viben(pkg, ["config", "check", "--json"], { home: broken });
    expect(syntax.code).toBe(1);
    expect(JSON.parse(syntax.stdout).problems[0]).toMatchObject({
      severity: "error",
      line: expect.any(Number),
    });
  });
});
