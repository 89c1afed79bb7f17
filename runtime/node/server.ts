import { mkdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { GatewayStartup } from "../../handlers/capabilities/startup.js";
import { coreHealthJson } from "../../handlers/system/health-core.js";
import { specialFilesystemOf } from "../../storage/drivers/special-filesystems.js";
import { GATEWAY_CONFIG_KEY, listenSettingsOf } from "../../storage/gateway-listen.js";
import { isLoopbackAddress } from "../../storage/rules/loopback.js";
import { parseYamlDocument, yamlToObject } from "../../storage/yaml.js";
import { LogRing, ringLogger } from "../diagnostics/log-ring.js";
import { VERSION } from "../version.js";
import { type Front, listenFront } from "./front.js";
import {
  acquireGatewayLock,
  describeAddressInUse,
  type GatewayLock,
  GatewayLockedError,
} from "./gateway-lock.js";
import { createNodeLogger } from "./pretty-logger.js";
import {
  DEFAULT_HOST,
  DEFAULT_PORT,
  type GatewayOptions,
  GatewayStartError,
  parsePort,
  type RunningGateway,
  refusedBindMessage,
} from "./start-types.js";

export {
  DEFAULT_HOST,
  DEFAULT_PORT,
  type GatewayOptions,
  GatewayStartError,
  MAX_WEBSOCKET_FRAME_BYTES,
  type RunningGateway,
} from "./start-types.js";

/**
 * Starts the Node gateway in two steps. First what must hold before the port opens: the data folder on an
 * ordinary filesystem, its lock (one gateway per folder), an address it may bind (a non-loopback bind
 * without API keys is refused). The port then opens at once (runtime/node/front.ts: /health is answered,
 * everything else waits), and the rest loads behind it (gateway-services.ts: orphans killed, interrupted
 * writes swept, crashed runs marked, services and app). Resolves once the gateway is ready. A failed start
 * answers what waited with 503 and lets go of the lock and the port.
 */
export async function startGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  const held: { lock?: GatewayLock; address?: { host: string; port: number }; front?: Front } = {};
  try {
    return await startLockedGateway(options, held);
  } catch (error) {
    await held.front?.fail(`the gateway failed to start: ${(error as Error).message}`);
    await held.lock?.release();
    if (error instanceof GatewayLockedError) throw new GatewayStartError(error.message);
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE" && held.address)
      throw new GatewayStartError(await describeAddressInUse(held.address.host, held.address.port));
    throw error;
  }
}

async function startLockedGateway(
  options: GatewayOptions,
  held: { lock?: GatewayLock; address?: { host: string; port: number }; front?: Front },
): Promise<RunningGateway> {
  const startedAt = Date.now();
  const env = options.env ?? process.env;
  // Recent log lines stay in memory for /diag and its export bundle.
  const logRing = new LogRing();
  const logger = ringLogger(options.logger ?? createNodeLogger(env), logRing);
  const home = resolve(env.HOME || homedir());
  const globalRoot = resolve(env.VIBEN_HOME || join(home, ".viben"));
  // The global root is the gateway's own: creating it up front lets it be watched, so its files are cached.
  const specialFilesystem = await specialFilesystemOf(globalRoot);
  if (specialFilesystem) {
    throw new GatewayStartError(
      `cannot keep data in ${globalRoot}: it lies on ${specialFilesystem}, not an ordinary filesystem (check HOME and VIBEN_HOME)`,
    );
  }
  await mkdir(globalRoot, { recursive: true });
  // One gateway per data folder, taken before anything of a running one could be touched.
  held.lock = await acquireGatewayLock(globalRoot, VERSION);
  const lock = held.lock;

  const configPath = join(globalRoot, GATEWAY_CONFIG_KEY);
  let listen: ReturnType<typeof listenSettingsOf>;
  try {
    listen = listenSettingsOf(await readConfigData(configPath), env);
  } catch (error) {
    throw new GatewayStartError(`cannot load ${configPath}: ${(error as Error).message}`);
  }
  const host = options.host ?? (env.VIBEN_HOST || listen.bind || DEFAULT_HOST);
  const port =
    parsePort(options.port, "--port") ??
    parsePort(env.VIBEN_PORT, "VIBEN_PORT") ??
    listen.port ??
    DEFAULT_PORT;
  if (!isLoopbackAddress(host) && !listen.hasApiKeys)
    throw new GatewayStartError(refusedBindMessage(host, globalRoot));

  held.address = { host, port };
  let startup: GatewayStartup | undefined;
  const front = await listenFront({
    host,
    port,
    health: (req) =>
      loadingHealthBody(startedAt, isLoopbackAddress(req.socket.remoteAddress) ? startup : undefined),
  });
  held.front = front;
  const { address } = front;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  startup = {
    host: address.address,
    port: address.port,
    started_at: new Date(startedAt).toISOString(),
    pid: process.pid,
    node_version: process.version,
    platform: process.platform,
    arch: process.arch,
    config_dir: globalRoot,
    state_dir: globalRoot,
    command: process.argv.join(" "),
  };
  await lock.listening({
    host: address.address,
    port: address.port,
    url: `http://${urlHost}:${address.port}`,
  });
  // zod gets `.openapi()` before any schema module is evaluated: storage/zod.ts's side-effect import is
  // not enough once bundled, since esbuild's code splitting may order chunks against the import order.
  await import("@hono/zod-openapi");
  const { startServices } = await import("./gateway-services.js");
  return startServices({
    options,
    env,
    logger,
    logRing,
    home,
    globalRoot,
    lock,
    front,
    host,
    startup,
    startedAt,
  });
}

/** gateway.yaml's data ({} when there is none), parsed as the storage layer parses it. */
async function readConfigData(path: string): Promise<Record<string, unknown>> {
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  return text === undefined ? {} : yamlToObject(parseYamlDocument(text, GATEWAY_CONFIG_KEY));
}

/** /health while the gateway loads: the fields that need no services, `ready: false`, and the startup record for local callers. */
function loadingHealthBody(startedAt: number, startup: GatewayStartup | undefined): string {
  const core = coreHealthJson({
    version: VERSION,
    runtime: "node",
    startedAt,
    now: new Date(),
    ready: false,
  });
  return startup ? `${core.slice(0, -1)},"startup":${JSON.stringify(startup)}}` : core;
}
