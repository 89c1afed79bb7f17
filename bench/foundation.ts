import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Figures, load, printTable, startServer } from "./lib.js";
import { buildGateway, GATEWAY_ENTRY } from "./startup.js";

/**
 * Issue 2's figures: GET /health on the gateway beside a bare node:http server, and GET /api/agent over
 * 200 global + 200 workspace agents. Targets: /health ≥ 0.8× bare; /api/agent p50 < 5 ms. `agents: false`
 * measures /health alone (`npm run bench -- --only health`).
 */
export async function benchFoundation(duration: number, { agents = true } = {}): Promise<Figures[]> {
  const home = await mkdtemp(join(tmpdir(), "viben-bench-"));
  const project = join(home, "project");
  if (agents) await writeAgents(home, project);
  const bare = await startServer("bench/bare-health.mjs", [], {});
  buildGateway();
  const gateway = await startServer(GATEWAY_ENTRY, ["--port", "0"], {
    HOME: home,
    VIBEN_LOG_LEVEL: "silent",
  });
  try {
    // Warm up both servers (JIT, caches) before measuring.
    await load("warmup", `${bare.url}/health`, { duration: 1 });
    await load("warmup", `${gateway.url}/health`, { duration: 1 });
    const rows = [
      await load("bare node:http GET /health, 50 connections", `${bare.url}/health`, {
        duration,
        connections: 50,
      }),
      await load("gateway GET /health, 50 connections", `${gateway.url}/health`, {
        duration,
        connections: 50,
      }),
    ];
    if (!agents) return rows;
    const agentsUrl = `${gateway.url}/api/agent?workspace_path=${encodeURIComponent(project)}`;
    const check = (await (await fetch(agentsUrl)).json()) as { total: number };
    if (check.total !== 400) throw new Error(`expected 400 agents, got ${check.total}`);
    await load("warmup", agentsUrl, { duration: 1 });
    rows.push(
      await load("gateway GET /api/agent (400 agents), 1 connection", agentsUrl, {
        duration,
        connections: 1,
      }),
      await load("gateway GET /api/agent (400 agents), 10 connections", agentsUrl, { duration }),
    );
    return rows;
  } finally {
    await gateway.stop();
    await bare.stop();
    await rm(home, { recursive: true, force: true });
  }
}

/** 200 global and 200 workspace agents on disk, for GET /api/agent. */
async function writeAgents(home: string, project: string): Promise<void> {
  for (const [root, prefix] of [
    [join(home, ".viben"), "global"],
    [join(project, ".viben"), "ws"],
  ] as const) {
    for (let i = 0; i < 200; i++) {
      const dir = join(root, "agents", `${prefix}-${i}`);
      await mkdir(dir, { recursive: true });
      await writeFile(
        join(dir, "config.yaml"),
        `name: ${prefix} agent ${i}\nexecutor_type: CLAUDE_CODE\nmodel: claude-sonnet-4-5\nmcp_servers:\n  fs: { command: npx }\nskills: [a, b]\n`,
      );
    }
  }
}

export function summariseFoundation(rows: Figures[]): string[] {
  const [bare, health, agents] = rows;
  if (!bare || !health) return [];
  const ratio = health.requestsPerSec / bare.requestsPerSec;
  return [
    `/health vs bare node:http: ${ratio.toFixed(2)}x (target >= 0.80x) ${ratio >= 0.8 ? "OK" : "BELOW TARGET"}`,
    ...(agents
      ? [
          `/api/agent over 400 agents p50 (1 connection): ${agents.p50.toFixed(2)} ms (target < 5 ms) ${agents.p50 < 5 ? "OK" : "ABOVE TARGET"}`,
        ]
      : []),
  ];
}

export { printTable };
