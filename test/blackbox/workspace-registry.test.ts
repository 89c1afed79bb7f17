// Issue 15, "Workspace registry": registering a project (admin) widens the allowed roots to its path, so
// an agent and a run there are accepted, and its name stands for workspace_path; removing it narrows the
// roots again (WORKSPACE_NOT_ALLOWED / WORKDIR_NOT_ALLOWED). A real gateway over a temporary HOME.
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type GatewayProcess,
  makeTempHome,
  removeDir,
  startGatewayProcess,
} from "../helpers/gateway-process.js";

const FAKE_CLAUDE = resolve(import.meta.dirname, "../fixtures/fake-claude.mjs");

type Json = Record<string, unknown>;

describe("workspace registry (real gateway)", () => {
  let gw: GatewayProcess;
  let home: string;
  let outside: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  beforeAll(async () => {
    home = await makeTempHome("viben-registry-home-");
    // A project outside HOME: outside the default roots until registered.
    outside = await mkdtemp(join(tmpdir(), "viben-registry-outside-"));
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${FAKE_CLAUDE}\n`);
    gw = await startGatewayProcess({ home });
    // An agent that asks for the whole filesystem: only the gateway's roots limit where it runs.
    const wide = await call("POST", "/api/agent", {
      name: "wide",
      executor_type: "CLAUDE_CODE",
      workdirs: ["/"],
    });
    expect(wide.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await gw?.stop("SIGTERM");
    await removeDir(home);
    await removeDir(outside);
  });

  it("refuses the project before registration", async () => {
    const agent = await call("POST", "/api/agent", { name: "shop-bot", base_path: outside });
    expect(agent.status).toBe(400);
    expect(agent.body).toMatchObject({ code: "WORKSPACE_NOT_ALLOWED", details: { field: "base_path" } });
    const run = await call("POST", "/api/agent/wide/spawn", { prompt: "hi", workdir: outside });
    expect(run.status).toBe(400);
    expect(run.body).toMatchObject({ code: "WORKDIR_NOT_ALLOWED" });
  });

  it("accepts an agent and a run there once registered, and the name as workspace_path", async () => {
    const registered = await call("POST", "/api/workspaces", {
      name: "shop",
      path: outside,
      env: { SHOP_TOKEN: "t0ps3cret" },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(registered.body).toMatchObject({ name: "shop", path: outside, env: { SHOP_TOKEN: "***" } });
    // Stored atomically in ~/.viben/workspaces.yaml; the secret is answered redacted only.
    expect(await readFile(join(home, ".viben/workspaces.yaml"), "utf8")).toContain("t0ps3cret");
    expect(await call("GET", "/workspaces/shop/env")).toMatchObject({
      status: 200,
      body: { SHOP_TOKEN: "***" },
    });

    const agent = await call("POST", "/api/agent", { name: "shop-bot", base_path: outside });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    const listed = await call("GET", "/api/agent?workspace_path=shop&include_global=false");
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain("shop-bot");

    const run = await call("POST", "/api/agent/wide/spawn", { prompt: "hi", workdir: outside });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    const workspaces = await call("GET", "/api/workspaces");
    const shop = (workspaces.body.workspaces as Json[]).find((w) => w.name === "shop");
    expect(shop).toMatchObject({ path: outside, session_count: 1, last_activity: expect.any(String) });
  });

  it("narrows the roots again once removed", async () => {
    expect(await call("DELETE", "/api/workspaces/shop")).toMatchObject({
      status: 200,
      body: { removed: true },
    });
    const listed = await call("GET", `/api/agent?workspace_path=${encodeURIComponent(outside)}`);
    expect(listed.status).toBe(400);
    expect(listed.body).toMatchObject({ code: "WORKSPACE_NOT_ALLOWED" });
    const run = await call("POST", "/api/agent/wide/spawn", { prompt: "hi", workdir: outside });
    expect(run.status).toBe(400);
    expect(run.body).toMatchObject({ code: "WORKDIR_NOT_ALLOWED" });
    expect((await call("GET", "/api/agent?workspace_path=shop")).status).toBe(400);
  });
});
