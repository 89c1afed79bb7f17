import { access, constants, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Command } from "commander";
import { parse } from "yaml";
import pkg from "../package.json" with { type: "json" };
import { gatewayClient } from "./client.js";
import { checkGatewayYaml, formatProblem } from "./config/check.js";
import type { CliContext } from "./context.js";
import { dataDir, readLock, runningGateway } from "./gateway/local.js";
import type { Spinner } from "./spinner.js";
import { findOnPath } from "./which.js";

export type CheckStatus = "ok" | "warn" | "fail" | "info";

export interface DoctorCheck {
  area: string;
  name: string;
  status: CheckStatus;
  detail: string;
  /** The command (or edit) that fixes it. */
  fix?: string;
}

/** How to install and sign in to each executor (ids as /api/executors names them). */
export const EXECUTOR_FIXES: Record<string, { binary: string; install: string; login: string }> = {
  CLAUDE_CODE: {
    binary: "claude",
    install: "npm install -g @anthropic-ai/claude-code",
    login: "claude, then /login (or set ANTHROPIC_API_KEY)",
  },
  CODEX: {
    binary: "codex",
    install: "npm install -g @openai/codex",
    login: "codex login (or set OPENAI_API_KEY)",
  },
  GEMINI: {
    binary: "gemini",
    install: "npm install -g @google/gemini-cli",
    login: "gemini, then choose a sign-in (or set GEMINI_API_KEY)",
  },
  QWEN_CODE: { binary: "qwen", install: "npm install -g @qwen-code/qwen-code", login: "qwen, then /auth" },
  OPENCODE: { binary: "opencode", install: "npm install -g opencode-ai", login: "opencode auth login" },
  AMP: { binary: "amp", install: "npm install -g @sourcegraph/amp", login: "amp login" },
  COPILOT: { binary: "copilot", install: "npm install -g @github/copilot", login: "copilot, then /login" },
  CURSOR_AGENT: {
    binary: "cursor-agent",
    install: "curl https://cursor.com/install -fsS | bash",
    login: "cursor-agent login",
  },
};

/** `>=20.19.0 <21 || >=22.12.0` (package.json engines) for this Node. */
export function nodeSupported(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  return (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22;
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(false));
    server.listen(port, host, () => server.close(() => done(true)));
  });
}

/**
 * Probes the setup. With a gateway answering, executors, providers and the data folder's health come from
 * its API; without one, executors are looked for on PATH (installation only: sign-in is the gateway's
 * probe) and the config file is read and validated with the gateway's schema.
 */
export async function runDoctor(
  context: CliContext,
  command: Command,
  spinner: Spinner,
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const add = (check: DoctorCheck) => checks.push(check);

  add(
    nodeSupported(process.version)
      ? { area: "system", name: "node", status: "ok", detail: `Node ${process.version}` }
      : {
          area: "system",
          name: "node",
          status: "fail",
          detail: `Node ${process.version} is not supported (needs ${pkg.engines.node})`,
          fix: "install Node 22 LTS (e.g. nvm install 22)",
        },
  );

  spinner.update("Checking the data folder…");
  const dir = dataDir();
  const info = await stat(dir).catch(() => undefined);
  if (!info) {
    add({
      area: "system",
      name: "data folder",
      status: "info",
      detail: `${dir} does not exist yet (the first start creates it)`,
    });
  } else if (
    !(await access(dir, constants.W_OK).then(
      () => true,
      () => false,
    ))
  ) {
    add({
      area: "system",
      name: "data folder",
      status: "fail",
      detail: `${dir} is not writable`,
      fix: `chown -R "$USER" ${dir}`,
    });
  } else if ((info.mode & 0o077) !== 0) {
    add({
      area: "system",
      name: "data folder",
      status: "info",
      detail: `${dir} is open to other users (mode ${(info.mode & 0o777).toString(8)}); it holds sessions and keys`,
      fix: `chmod 700 ${dir}`,
    });
  } else {
    add({ area: "system", name: "data folder", status: "ok", detail: `${dir} (writable, private)` });
  }

  spinner.update("Checking gateway.yaml…");
  const config = await checkGatewayYaml(dir);
  if (!config.exists)
    add({
      area: "config",
      name: "gateway.yaml",
      status: "info",
      detail: "none: every setting has its default",
      fix: "viben config init",
    });
  else if (config.problems.length === 0)
    add({ area: "config", name: "gateway.yaml", status: "ok", detail: `${config.path} is valid` });
  for (const problem of config.problems)
    add({
      area: "config",
      name: "gateway.yaml",
      status: problem.severity === "error" ? "fail" : "warn",
      detail: formatProblem(problem, config.path),
      fix: problem.line ? `edit line ${problem.line} of ${config.path}` : `edit ${config.path}`,
    });

  spinner.update("Looking for the gateway…");
  const lock = await runningGateway(dir);
  const explicit = command.getOptionValueSourceWithGlobals("url") !== "default";
  const url = (!explicit && lock?.url ? lock.url : context.url).replace("//0.0.0.0:", "//127.0.0.1:");
  const client = gatewayClient({ url, apiKey: context.apiKey });
  const health = await client.GET("/health", { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
  const up = health?.data !== undefined;
  if (up) {
    add({
      area: "gateway",
      name: "gateway",
      status: "ok",
      detail: `running at ${url} (version ${health?.data?.version})`,
    });
  } else if (lock) {
    add({
      area: "gateway",
      name: "gateway",
      status: "fail",
      detail: `pid ${lock.pid} holds ${dir} but ${url}/health does not answer`,
      fix: "viben gateway restart (see viben gateway logs)",
    });
  } else if (explicit) {
    add({
      area: "gateway",
      name: "gateway",
      status: "fail",
      detail: `no gateway answers at ${url}`,
      fix: "check --url / VIBEN_URL",
    });
  } else {
    const stale = await readLock(dir);
    const port = Number(process.env.VIBEN_PORT) || configuredPort(config) || 18790;
    const free = await portFree("127.0.0.1", port);
    add(
      free
        ? {
            area: "gateway",
            name: "gateway",
            status: "info",
            detail: `not running; port ${port} is free${stale ? " (a stale lock will be taken over)" : ""}`,
            fix: "viben gateway start --detach",
          }
        : {
            area: "gateway",
            name: "gateway",
            status: "fail",
            detail: `not running, and port ${port} is taken by another program`,
            fix: "free the port, or set port: in gateway.yaml (or --port)",
          },
    );
  }

  spinner.update("Checking executors…");
  if (up) {
    const listed = await client.GET("/api/executors").catch(() => undefined);
    for (const executor of listed?.data?.executors ?? []) {
      const fix = EXECUTOR_FIXES[executor.id];
      const type = executor.availability.type;
      add(
        type === "LOGIN_DETECTED"
          ? { area: "executors", name: executor.name, status: "ok", detail: "installed, signed in" }
          : type === "INSTALLATION_FOUND"
            ? {
                area: "executors",
                name: executor.name,
                status: "warn",
                detail: "installed, no sign-in found",
                ...(fix ? { fix: fix.login } : {}),
              }
            : {
                area: "executors",
                name: executor.name,
                status: "warn",
                detail: "not installed",
                ...(fix ? { fix: fix.install } : {}),
              },
      );
    }
    if (!listed?.data)
      add({
        area: "executors",
        name: "executors",
        status: "fail",
        detail: "GET /api/executors failed (is VIBEN_API_KEY set?)",
      });
  } else {
    for (const [id, fix] of Object.entries(EXECUTOR_FIXES)) {
      const found = await findOnPath(fix.binary);
      add(
        found
          ? {
              area: "executors",
              name: id,
              status: "ok",
              detail: `installed (${found}); sign-in is checked by a running gateway`,
            }
          : {
              area: "executors",
              name: id,
              status: "warn",
              detail: `not installed (${fix.binary} is not on PATH)`,
              fix: fix.install,
            },
      );
    }
  }
  const executorChecks = checks.filter((check) => check.area === "executors" && check.name !== "executors");
  if (executorChecks.length > 0 && executorChecks.every((check) => check.detail.startsWith("not installed")))
    add({
      area: "executors",
      name: "any executor",
      status: "fail",
      detail: "no executor CLI is installed: agents with an executor cannot run",
      fix: EXECUTOR_FIXES.CLAUDE_CODE?.install,
    });

  if (up) {
    spinner.update("Checking providers…");
    const providers = await client.GET("/api/providers").catch(() => undefined);
    const list = (providers?.data?.providers ?? []).filter(
      (provider): provider is NonNullable<typeof provider> =>
        provider !== null && (provider as { enabled?: boolean }).enabled !== false,
    );
    for (const provider of list) {
      spinner.update(`Checking provider ${provider.id}…`);
      const tested = await client
        .POST("/api/providers/{id}/test", {
          params: { path: { id: provider.id } },
          body: {},
          signal: AbortSignal.timeout(20_000),
        })
        .catch(() => undefined);
      const result = tested?.data;
      add(
        result?.ok
          ? {
              area: "providers",
              name: provider.name,
              status: "ok",
              detail: `reachable (${result.latency_ms} ms)`,
            }
          : {
              area: "providers",
              name: provider.name,
              status: "warn",
              detail: `not reachable: ${result?.error ?? (tested ? `HTTP ${tested.response.status}` : "no answer")}`,
              fix: "check its base URL and key (the dashboard's Providers page, or PUT /api/providers/{id})",
            },
      );
    }
    if (list.length === 0)
      add({ area: "providers", name: "providers", status: "info", detail: "none configured" });
  }

  spinner.update("Checking edge publishing…");
  add(await edgeCheck(config.exists ? dir : undefined));
  return checks;
}

function configuredPort(config: { port?: number }): number | undefined {
  return config.port;
}

/** gateway.yaml `edge:` (the Worker the edge puller and `npm run publish:edge` use): set, and answering? */
async function edgeCheck(dir: string | undefined): Promise<DoctorCheck> {
  const { readFile } = await import("node:fs/promises");
  const text = dir ? await readFile(join(dir, "gateway.yaml"), "utf8").catch(() => "") : "";
  let edgeUrl: string | undefined;
  try {
    edgeUrl = (parse(text) as { edge?: { url?: string } } | null)?.edge?.url;
  } catch {}
  if (!edgeUrl)
    return {
      area: "edge",
      name: "edge",
      status: "info",
      detail: "not configured (publish with npm run publish:edge; README, Workers)",
    };
  try {
    const response = await fetch(`${edgeUrl.replace(/\/+$/, "")}/health`, {
      signal: AbortSignal.timeout(10_000),
    });
    return response.ok
      ? { area: "edge", name: "edge", status: "ok", detail: `${edgeUrl} answers` }
      : {
          area: "edge",
          name: "edge",
          status: "warn",
          detail: `${edgeUrl}/health answered ${response.status}`,
          fix: "npm run publish:edge -- --remote",
        };
  } catch (error) {
    return {
      area: "edge",
      name: "edge",
      status: "warn",
      detail: `${edgeUrl} does not answer (${(error as Error).message})`,
      fix: "check edge.url in gateway.yaml",
    };
  }
}
