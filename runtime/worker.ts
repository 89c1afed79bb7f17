import { createApp, type GatewayApp } from "../handlers/index.js";
import type { BackendFactory } from "../storage/backend.js";
import { kvBackends } from "../storage/drivers/kv.js";
import { memoryBackends } from "../storage/drivers/memory.js";
import { Scopes } from "../storage/scopes.js";
import { createJsonLogger } from "./logger.js";
import { VERSION } from "./version.js";

/**
 * The Worker entry: the same handlers on workerd, with storage in the VIBEN_KV namespace (in memory when
 * no binding is configured). There are no local workspaces at the edge, and capabilities that need
 * processes (executor probes, runs, terminals, schedulers) are absent, so those routes answer 501.
 */
interface WorkerEnv {
  VIBEN_KV?: unknown;
  VIBEN_HOME_PATH?: string;
  [name: string]: unknown;
}

let app: GatewayApp | undefined;

function buildApp(env: WorkerEnv): GatewayApp {
  const home = env.VIBEN_HOME_PATH ?? "/home/viben";
  const backend: BackendFactory = env.VIBEN_KV ? kvBackends(env.VIBEN_KV) : memoryBackends();
  const stringEnv = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
  return createApp({
    runtime: "workerd",
    version: VERSION,
    scopes: new Scopes({ home, globalRoot: `${home}/.viben`, backend }),
    env: stringEnv,
    // Only the home workspace exists at the edge.
    paths: { isDirectory: async (path) => path === home, realpath: async (path) => path },
    logger: createJsonLogger("info", (line) => console.log(line)),
    remoteAddress: (c) => c.req.header("cf-connecting-ip"),
  });
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: unknown) {
    app ??= buildApp(env);
    return app.fetch(request, env, ctx as never);
  },
};
