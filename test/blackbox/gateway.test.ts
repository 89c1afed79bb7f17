import { mkdir, readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  eventually,
  type GatewayProcess,
  makeTempHome,
  removeDir,
  runGatewayExpectingExit,
  startGatewayProcess,
  statusWithHost,
} from "../helpers/gateway-process.js";

const post = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});
const patch = (body: unknown) => ({ ...post(body), method: "PATCH" });

describe("the real gateway on port 0 with a temporary HOME", () => {
  let gw: GatewayProcess;
  let project: string;

  beforeAll(async () => {
    const home = await makeTempHome();
    // Workspaces must lie inside workdir_roots, which default to HOME.
    project = join(home, "project");
    // An IDE configuration in the workspace and a logged-in Claude Code in HOME.
    await mkdir(join(project, ".claude"), { recursive: true });
    await writeFile(join(project, ".mcp.json"), JSON.stringify({ mcpServers: { a: {}, b: {} } }));
    await mkdir(join(home, ".claude"), { recursive: true });
    await writeFile(join(home, ".claude/.credentials.json"), "{}");
    await utimes(join(home, ".claude/.credentials.json"), 1770741923, 1770741923);
    gw = await startGatewayProcess({ home });
  });

  afterAll(async () => {
    const code = await gw.stop("SIGTERM");
    expect(code).toBe(0);
    await removeDir(gw.home);
  });

  it("answers /health", async () => {
    const res = await fetch(`${gw.url}/health`);
    expect(await res.json()).toMatchObject({ status: "ok", runtime: "node" });
    // Probes stay out of the access log; every other route carries a request id.
    expect(res.headers.get("x-request-id")).toBeNull();
    expect((await fetch(`${gw.url}/api/agent`)).headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers /health by its own address as by any other Host (one answered ahead of the adapter)", async () => {
    const { host, port } = new URL(gw.url);
    const answer = (hostHeader: string) =>
      new Promise<{ names: string[]; body: Record<string, unknown> }>((done, fail) => {
        const req = request(
          { host: "127.0.0.1", port, path: "/health", headers: { host: hostHeader } },
          (res) => {
            let text = "";
            res.on("data", (chunk) => {
              text += chunk;
            });
            res.on("end", () => {
              const { uptime: _u, timestamp: _t, uptime_seconds: _s, ...body } = JSON.parse(text);
              done({ names: res.rawHeaders.filter((_, i) => i % 2 === 0), body });
            });
          },
        );
        req.on("error", fail);
        req.end();
      });
    await answer(host);
    const own = await answer(host);
    expect(own.names).toEqual(["content-type", "Date", "Connection", "Keep-Alive", "Content-Length"]);
    expect(await answer(`localhost:${port}`)).toEqual(own);
  });

  it("binds loopback by default", () => {
    expect(new URL(gw.url).hostname).toBe("127.0.0.1");
  });

  it("stores agents as YAML in ~/.viben and <workspace>/.viben", async () => {
    const g = await fetch(`${gw.url}/api/agent`, post({ name: "全局助手", executor_type: "CLAUDE_CODE" }));
    expect(g.status).toBe(201);
    const w = await fetch(`${gw.url}/api/agent`, post({ name: "本地助手", base_path: project }));
    expect(w.status).toBe(201);
    const globalFile = join(gw.home, ".viben/agents/全局助手/config.yaml");
    expect(parse(await readFile(globalFile, "utf8"))).toMatchObject({
      name: "全局助手",
      executor_type: "CLAUDE_CODE",
    });
    const wsFile = join(project, ".viben/agents/本地助手/config.yaml");
    expect(parse(await readFile(wsFile, "utf8")).name).toBe("本地助手");

    const list = (await (
      await fetch(`${gw.url}/api/agent?workspace_path=${encodeURIComponent(project)}`)
    ).json()) as {
      agents: { id: string; source: string; config_path: string; is_available: boolean }[];
    };
    expect(list.agents.map((a) => [a.id, a.source])).toEqual([
      ["本地助手", "workspace"],
      ["全局助手", "global"],
    ]);
    expect(list.agents[0]?.config_path).toBe(wsFile);
    expect(list.agents[1]?.is_available).toBe(true);
  });

  it("discovers IDE configuration of the workspace through /api/executors", async () => {
    const res = await fetch(`${gw.url}/api/executors?workspace_path=${encodeURIComponent(project)}`);
    const body = (await res.json()) as { executors: Record<string, unknown>[] };
    expect(body.executors.find((e) => e.id === "CLAUDE_CODE")).toMatchObject({
      availability: { type: "LOGIN_DETECTED", last_auth_timestamp: 1770741923 },
      has_workspace_config: true,
      workspace_config_path: join(project, ".claude"),
      global_config_path: join(gw.home, ".claude"),
      mcp_server_count: 2,
    });
  });

  it("leaves one valid YAML file after 20 parallel PATCHes, keeping hand-written keys", async () => {
    await fetch(`${gw.url}/api/agent`, post({ name: "Busy" }));
    const file = join(gw.home, ".viben/agents/busy/config.yaml");
    await writeFile(file, `# written by hand\n${await readFile(file, "utf8")}hand_written: keep me\n`);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${gw.url}/api/agent/busy`, patch({ description: `v${i}`, max_tokens: 100 + i })),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const text = await readFile(file, "utf8");
    const stored = parse(text);
    expect(text.startsWith("# written by hand")).toBe(true);
    expect(stored.hand_written).toBe("keep me");
    const i = Number(String(stored.description).slice(1));
    expect(stored.max_tokens).toBe(100 + i);
    expect(await readdir(join(gw.home, ".viben/agents/busy"))).toEqual(["config.yaml"]);
  });

  it("sees an agent edited by hand on disk", async () => {
    await fetch(`${gw.url}/api/agent`, post({ name: "Hand" }));
    await fetch(`${gw.url}/api/agent`); // warm the cache
    const file = join(gw.home, ".viben/agents/hand/config.yaml");
    await writeFile(file, "name: Hand\ndescription: edited in vim\n");
    await eventually(async () => {
      const got = (await (await fetch(`${gw.url}/api/agent/hand`)).json()) as { description?: string };
      expect(got.description).toBe("edited in vim");
    });
    await mkdir(join(gw.home, ".viben/agents/dropped-in"), { recursive: true });
    await writeFile(join(gw.home, ".viben/agents/dropped-in/config.yaml"), "name: Dropped In\n");
    await eventually(async () => {
      const list = (await (await fetch(`${gw.url}/api/agent`)).json()) as { agents: { id: string }[] };
      expect(list.agents.map((a) => a.id)).toContain("dropped-in");
    });
  });

  it("refuses a foreign Origin and a forged Host with 403 in no-key mode", async () => {
    const origin = await fetch(`${gw.url}/api/agent`, { headers: { origin: "https://evil.example" } });
    expect(origin.status).toBe(403);
    const status = await statusWithHost(gw.url, "/api/agent", "attacker.example");
    expect(status).toBe(403);
  });

  it("answers JSON 404 and never writes outside the storage roots", async () => {
    const res = await fetch(`${gw.url}/api/agent/..%2F..%2Fescape`, patch({ description: "x" }));
    expect(res.status).toBe(400);
    const missing = await fetch(`${gw.url}/api/nothing-here`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("start-up checks", () => {
  it("refuses a non-loopback bind without API keys", async () => {
    const home = await makeTempHome();
    const { code, output } = await runGatewayExpectingExit(["--host", "0.0.0.0", "--port", "0"], {
      HOME: home,
    });
    expect(code).toBe(1);
    expect(output).toMatch(/refusing to bind 0\.0\.0\.0.*no API keys/);
    await removeDir(home);
  });

  it("honours VIBEN_PORT and VIBEN_HOST", async () => {
    const { createServer } = await import("node:net");
    const free = await new Promise<number>((done) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => done(port));
      });
    });
    const gw = await startGatewayProcess({
      portArgs: [],
      env: { VIBEN_PORT: String(free), VIBEN_HOST: "localhost" },
    });
    expect(Number(new URL(gw.url).port)).toBe(free);
    expect((await fetch(`http://localhost:${free}/health`)).status).toBe(200);
    await gw.stop();
    await removeDir(gw.home);
  });

  it("binds a non-loopback address when keys are configured", async () => {
    const home = await makeTempHome();
    await mkdir(join(home, ".viben"), { recursive: true });
    await writeFile(
      join(home, ".viben/gateway.yaml"),
      "api_keys:\n  - { name: a, key: '${K}', role: admin }\n",
    );
    const gw = await startGatewayProcess({ home, args: ["--host", "0.0.0.0"], env: { K: "k-123456789" } });
    expect(new URL(gw.url).hostname).toBe("0.0.0.0");
    const port = new URL(gw.url).port;
    expect((await fetch(`http://127.0.0.1:${port}/api/agent`)).status).toBe(401);
    expect(
      (
        await fetch(`http://127.0.0.1:${port}/api/agent`, {
          headers: { authorization: "Bearer k-123456789" },
        })
      ).status,
    ).toBe(200);
    expect(await gw.stop("SIGINT")).toBe(0);
    await removeDir(home);
  });

  it("refuses a broken gateway.yaml with a message naming the problem", async () => {
    const home = await makeTempHome();
    await mkdir(join(home, ".viben"), { recursive: true });
    await writeFile(join(home, ".viben/gateway.yaml"), "api_keys:\n  - { name: a, role: superuser }\n");
    const { code, output } = await runGatewayExpectingExit(["--port", "0"], { HOME: home });
    expect(code).toBe(1);
    expect(output).toMatch(/gateway\.yaml.*api_keys\.0/);
    await removeDir(home);
  });

  it("uses VIBEN_HOME for global data", async () => {
    const home = await makeTempHome();
    const vibenHome = join(home, "elsewhere");
    const gw = await startGatewayProcess({ home, env: { VIBEN_HOME: vibenHome } });
    expect((await fetch(`${gw.url}/api/agent`, post({ name: "Moved" }))).status).toBe(201);
    expect(parse(await readFile(join(vibenHome, "agents/moved/config.yaml"), "utf8")).name).toBe("Moved");
    await gw.stop();
    await removeDir(home);
  });
});
