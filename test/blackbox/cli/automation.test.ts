import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { spawn as spawnPty } from "@lydell/node-pty";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayProcess, makeTempHome, startGatewayProcess } from "../../helpers/gateway-process.js";
import { buildVibenPackage, type VibenPackage, viben } from "../../helpers/viben-cli.js";

/** The fake Claude CLI with stalls: a prompt containing "stall" runs until it is stopped. */
const QUEUE_CLAUDE = resolve(import.meta.dirname, "../../fixtures/queue-claude.mjs");

let pkg: VibenPackage;
let home: string;
let gw: GatewayProcess;

beforeAll(async () => {
  [pkg, home] = await Promise.all([buildVibenPackage(), makeTempHome()]);
  await mkdir(join(home, ".viben/executors"), { recursive: true });
  await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${QUEUE_CLAUDE}\n`);
  // One run per agent at a time: a second job of the same agent waits in the queue.
  await writeFile(
    join(home, ".viben/gateway.yaml"),
    "runs:\n  stop_grace_ms: 200\nqueue:\n  concurrency: 2\n  per_agent: 1\n",
  );
  gw = await startGatewayProcess({ home, env: { FAKE_CLAUDE_LOG: join(home, "fake-claude.log") } });
  for (const id of ["ops", "docs"]) {
    const created = await run(["agent", "create", id, "--id", id]);
    expect(created.code, created.stderr).toBe(0);
  }
});
afterAll(async () => {
  await gw?.stop();
  await pkg?.cleanup();
  if (home) await rm(home, { recursive: true, force: true });
});

function run(args: string[], env?: Record<string, string>) {
  return viben(pkg, ["--url", gw.url, ...args], { home, env });
}
async function runJson(args: string[]) {
  const result = await run(["--json", ...args]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}
async function api(path: string, body?: unknown) {
  const answer = await fetch(`${gw.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return answer.json();
}

describe("viben agent edit", () => {
  it("applies what $EDITOR changed in the agent's YAML, and unsets a deleted line", async () => {
    expect((await run(["agent", "edit", "ops", "--prompt", "Be brief.", "--model", "m1"])).code).toBe(0);
    const editor = join(home, "editor.sh");
    await writeFile(
      editor,
      '#!/bin/sh\nsed -i -e "s/^append_prompt: .*/append_prompt: Edited in the editor/" -e "/^model:/d" "$1"\n',
    );
    await chmod(editor, 0o755);
    const edited = await run(["agent", "edit", "ops"], { EDITOR: editor });
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stdout).toContain("updated ops: model, append_prompt");
    const shown = await runJson(["agent", "show", "ops"]);
    expect(shown.append_prompt).toBe("Edited in the editor");
    expect(shown.model).toBeUndefined();
  });

  it("prints the gateway's refusal and exits 1 without a terminal; an unchanged file changes nothing", async () => {
    const editor = join(home, "bad-editor.sh");
    await writeFile(editor, '#!/bin/sh\necho "temperature: 9" >> "$1"\n');
    await chmod(editor, 0o755);
    const refused = await run(["agent", "edit", "ops"], { EDITOR: editor });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("VALIDATION_ERROR");
    expect(refused.stderr).toContain("temperature");
    const unchanged = await run(["agent", "edit", "ops"], { EDITOR: "true" });
    expect(unchanged.stdout.trim()).toBe("no changes");
    const noEditor = await run(["agent", "edit", "ops"], { EDITOR: "", VISUAL: "" });
    expect(noEditor.code).toBe(1);
    expect(noEditor.stderr).toContain("$EDITOR");
  });

  it("in a terminal, reopens the editor with the gateway's refusal on top until the agent is valid", async () => {
    // First pass: an invalid value. Second pass: the file (with the error written on top) is kept, fixed.
    const editor = join(home, "retry-editor.sh");
    const seen = join(home, "second-pass.yaml");
    await writeFile(
      editor,
      [
        "#!/bin/sh",
        `if [ -e "${seen}" ]; then sed -i "s/^temperature: 9/temperature: 1/" "$1"; cp "$1" "${seen}.done"`,
        `else echo "temperature: 9" >> "$1"; touch "${seen}"; fi`,
        "",
      ].join("\n"),
    );
    await chmod(editor, 0o755);
    const pty = spawnPty(process.execPath, [pkg.bin, "--url", gw.url, "agent", "edit", "ops"], {
      cols: 120,
      rows: 30,
      cwd: home,
      env: { PATH: process.env.PATH ?? "", HOME: home, TERM: "xterm-256color", EDITOR: editor },
    });
    let output = "";
    pty.onData((data) => {
      output += data;
    });
    const code = await new Promise<number>((done) => pty.onExit(({ exitCode }) => done(exitCode)));
    expect(code, output).toBe(0);
    // On a terminal the id is bold.
    expect(output.replace(/\u001b\[[0-9;]*m/g, "")).toContain("updated ops: temperature");
    const secondPass = await readFile(`${seen}.done`, "utf8");
    expect(secondPass).toMatch(/^# The gateway refused the last version: VALIDATION_ERROR: .*temperature/m);
    expect((await runJson(["agent", "show", "ops"])).temperature).toBe(1);
  });
});

describe("viben history", () => {
  it("merges every agent's runs newest first, filters by agent and search, and --json parses", async () => {
    await api("/api/agent/ops/history", { prompt: "deploy the site", status: "completed" });
    await api("/api/agent/docs/history", { prompt: "write the changelog", status: "failed" });
    const table = await run(["history"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^TIME\s+AGENT\s+STATUS\s+TOKENS\s+SESSION\s+PROMPT$/m);
    const lines = table.stdout.trim().split("\n").slice(1);
    expect(lines[0]).toMatch(/docs\s+failed.*write the changelog/);
    expect(lines[1]).toMatch(/ops\s+completed.*deploy the site/);
    const one = await runJson(["history", "ops"]);
    expect(one.records.map((r: { prompt: string }) => r.prompt)).toEqual(["deploy the site"]);
    const found = await runJson(["history", "--search", "changelog"]);
    expect(found.records.map((r: { agent_id: string }) => r.agent_id)).toEqual(["docs"]);
  });
});

describe("viben cron", () => {
  it("adds a job and prints its next runs in its timezone; pause, resume, run now, runs, remove", async () => {
    const added = await run([
      "cron",
      "add",
      "standup",
      "--schedule",
      "30 9 * * 1-5",
      "-a",
      "ops",
      "-m",
      "summarise yesterday",
      "--tz",
      "Asia/Tokyo",
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain("created standup (30 9 * * 1-5, Asia/Tokyo)");
    // Wall time in the job's timezone, whatever this machine's is.
    expect(added.stdout).toMatch(/next runs \(Asia\/Tokyo\): \d{4}-\d\d-\d\d 09:30, /);

    const listed = await run(["cron"]);
    expect(listed.stdout).toMatch(
      /^standup\s+standup\s+30 9 \* \* 1-5\s+Asia\/Tokyo\s+ops\s+active\s+\S+ 09:30$/m,
    );
    expect((await run(["cron", "pause", "standup"])).stdout.trim()).toBe("standup paused");
    expect((await runJson(["cron", "list"])).jobs[0].enabled).toBe(false);
    expect((await run(["cron", "resume", "standup"])).stdout.trim()).toBe("standup resumed");
    expect((await runJson(["cron", "list"])).jobs[0].enabled).toBe(true);

    const started = await run(["cron", "run", "standup"]);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/^started standup: run \S+ \(\w+, queue job \S+\)$/m);
    await expect
      .poll(async () => (await runJson(["cron", "runs", "standup"])).runs[0]?.status)
      .toBe("succeeded");
    const runs = await run(["cron", "runs", "standup"]);
    expect(runs.stdout).toMatch(/manual\s+succeeded/);

    expect((await run(["cron", "remove", "standup"])).stdout.trim()).toBe("removed standup");
    expect((await runJson(["cron", "list"])).jobs).toEqual([]);
    const missing = await run(["cron", "pause", "standup"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("NOT_FOUND");
  });

  it("says how to give a schedule", async () => {
    const none = await run(["cron", "add", "x", "-a", "ops", "-m", "hi"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("--schedule");
  });
});

describe("viben queue", () => {
  it("shows the lanes and the running and waiting jobs, and cancels them", async () => {
    const first = await api("/api/queue", { agent_id: "docs", prompt: "stall: long job" });
    const second = await api("/api/queue", { agent_id: "docs", prompt: "stall: waits its turn" });
    await expect.poll(async () => (await api(`/api/queue/${first.id}`)).status).toBe("running");

    const shown = await run(["queue"]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^all agents: 1\/2 running, 1 queued$/m);
    expect(shown.stdout).toMatch(/^ {2}agent docs: 1\/1 running, 1 queued$/m);
    expect(shown.stdout).toMatch(new RegExp(`^${first.id}\\s+running\\s+docs\\s+api`, "m"));
    expect(shown.stdout).toMatch(new RegExp(`^${second.id}\\s+queued\\s+docs\\s+api`, "m"));
    const listed = await runJson(["queue", "--status", "queued"]);
    expect(listed.jobs.map((j: { id: string }) => j.id)).toEqual([second.id]);
    expect(listed.lanes.global.limit).toBe(2);

    expect((await run(["queue", "cancel", second.id])).stdout.trim()).toBe(`${second.id}: cancelled`);
    const stopped = await run(["queue", "cancel", first.id]);
    expect(stopped.code, stopped.stderr).toBe(0);
    await expect.poll(async () => (await api(`/api/queue/${first.id}`)).status).toBe("cancelled");
    expect((await run(["queue"])).stdout).toContain("(no queued or running jobs)");

    const bad = await run(["queue", "--status", "sleeping"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("unknown status 'sleeping'");
  });
});

describe("viben tasks", () => {
  it("adds, lists by column, moves, shows and removes a task", async () => {
    const added = await runJson(["tasks", "add", "Write the release notes", "-a", "docs"]);
    expect(added.status).toBe("todo");
    const table = await run(["tasks"]);
    expect(table.stdout).toMatch(
      new RegExp(`^${added.id}\\s+To Do\\s+docs\\s+Write the release notes$`, "m"),
    );

    const moved = await run(["tasks", "move", added.id, "done"]);
    expect(moved.code, moved.stderr).toBe(0);
    const board = await runJson(["tasks", "list"]);
    const done = board.columns.find((c: { id: string }) => c.id === "done");
    expect(done.tasks.map((t: { id: string }) => t.id)).toContain(added.id);
    expect((await runJson(["tasks", "show", added.id])).status).toBe("done");

    const refused = await run(["tasks", "move", added.id, "no-such-column"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/viben: [A-Z_]+: /);

    expect((await run(["tasks", "remove", added.id])).stdout.trim()).toBe(`removed ${added.id}`);
    expect((await run(["tasks"])).stdout.trim()).toBe("(no tasks)");
  });
});

describe("completion", () => {
  it("covers the new commands", async () => {
    const script = await run(["completion", "bash"]);
    for (const word of ["history", "cron", "queue", "tasks", "edit", "resume", "cancel", "move"])
      expect(script.stdout, word).toContain(word);
  });
});
