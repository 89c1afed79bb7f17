import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import autocannon from "autocannon";

export const ROOT = resolve(import.meta.dirname, "..");
const TSX = join(ROOT, "node_modules/.bin/tsx");

export interface Figures {
  label: string;
  requestsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
}

/**
 * The node flags `npm start` passes (package.json's start script), so the gateway is measured as users run
 * it, and BENCH_NODE_FLAGS (profiling).
 */
export const START_FLAGS: string[] = [
  ...(
    JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } }
  ).scripts.start
    .split(/\s+/)
    .filter((arg) => arg.startsWith("--")),
  ...(process.env.BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? []),
];

/** Starts an entry (JavaScript, or TypeScript through tsx) as its own process (so load generator and server do not share a core). */
export async function startServer(
  entry: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  // JavaScript runs on plain node (as npm start does); TypeScript through tsx.
  const [command, argv] = entry.endsWith(".ts")
    ? [TSX, [entry, ...args]]
    : [process.execPath, [...START_FLAGS, entry, ...args]];
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((done, fail) => {
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) done(m[1]);
    });
    child.once("exit", (code) => fail(new Error(`${entry} exited with ${code}`)));
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((done) => {
        child.once("exit", () => done());
        child.kill("SIGTERM");
      }),
  };
}

/** Drives `url` with autocannon and reports requests/s and latency percentiles (ms). */
export async function load(
  label: string,
  url: string,
  options: { connections?: number; duration?: number; headers?: Record<string, string> } = {},
): Promise<Figures> {
  const result = await autocannon({
    url,
    connections: options.connections ?? 10,
    duration: options.duration ?? 5,
    headers: options.headers,
  });
  return {
    label,
    requestsPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

export function printTable(rows: Figures[]): void {
  const header = ["scenario", "req/s", "p50 ms", "p99 ms", "errors"];
  const lines = rows.map((r) => [
    r.label,
    String(r.requestsPerSec),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    String(r.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cols: string[]) => `| ${cols.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const l of lines) console.log(fmt(l));
}
