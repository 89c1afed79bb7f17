import { createStorage } from "unstorage";
import { kvStorage } from "../storage/drivers/kv.js";
import { createJsonLogger, parseLogLevel } from "./logger.js";
import { EdgeGateway } from "./workerd/edge-gateway.js";

/**
 * The Worker entry (workerd): the shared handlers over the VIBEN_KV namespace, serving what the local
 * gateway published (`npm run publish:edge`) read-only, plus webhook intake into an inbox that the local
 * gateway pulls (`npm run pull:edge`). See runtime/workerd/ (and runtime/edge-sync/ for the Node-side tools). Without a KV binding, storage is in memory.
 */
interface WorkerEnv {
  VIBEN_KV?: unknown;
  /** The home directory assumed until a publish names the local one. */
  VIBEN_HOME_PATH?: string;
  VIBEN_LOG_LEVEL?: string;
  [name: string]: unknown;
}

let gateway: EdgeGateway | undefined;

function createGateway(env: WorkerEnv): EdgeGateway {
  // Vars and secrets are strings; `${NAME}` references in gateway.yaml and provider files expand from them.
  const stringEnv = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
  return new EdgeGateway({
    kv: env.VIBEN_KV ? kvStorage(env.VIBEN_KV) : createStorage(),
    env: stringEnv,
    fallbackHome: env.VIBEN_HOME_PATH ?? "/home/viben",
    logger: createJsonLogger(parseLogLevel(env.VIBEN_LOG_LEVEL), (line) => console.log(line)),
  });
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: unknown): Promise<Response> {
    gateway ??= createGateway(env);
    return gateway.fetch(request, env, ctx);
  },
};
