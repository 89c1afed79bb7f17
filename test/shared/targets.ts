import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { type Fixture, KEYS, SECRET_ENV, writeFixture } from "./fixture.js";
import type { SuiteTarget } from "./read-api.suite.js";
import { publishToLocalKv, startWranglerDev, type WranglerDev } from "./wrangler-dev.js";

export type ManagedTarget = SuiteTarget & { stop(): Promise<void> };

const headersFor = (withKeys: boolean): Record<string, string> =>
  withKeys ? { authorization: `Bearer ${KEYS.admin}` } : {};

async function removeFixture(fixture: Fixture | undefined): Promise<void> {
  if (!fixture) return;
  await rm(fixture.home, { recursive: true, force: true });
  await rm(fixture.project, { recursive: true, force: true });
}

/** The Node gateway in this process (startGateway, as `npm start` runs it) on a temporary HOME. */
export function nodeTarget(withKeys: boolean): ManagedTarget {
  let gateway: RunningGateway | undefined;
  let fixture: Fixture | undefined;
  return {
    runtime: "node",
    get baseUrl() {
      if (!gateway) throw new Error("seed() first");
      return gateway.url;
    },
    headers: headersFor(withKeys),
    async seed() {
      fixture = await writeFixture({ withKeys });
      const { VIBEN_HOME: _home, VIBEN_PORT: _port, VIBEN_HOST: _host, ...env } = process.env;
      gateway = await startGateway({
        host: "127.0.0.1",
        port: 0,
        env: { ...env, HOME: fixture.home, VIBEN_LOG_LEVEL: "silent", ...SECRET_ENV },
      });
      return fixture;
    },
    async stop() {
      await gateway?.close();
      await removeFixture(fixture);
    },
  };
}

/**
 * `wrangler dev` (local workerd, KV simulated by miniflare) over a `--persist-to` directory that the
 * publish command filled from the fixture HOME; secrets come from an env file, as `.dev.vars` would.
 */
export function workerdTarget(withKeys: boolean): ManagedTarget {
  let dev: WranglerDev | undefined;
  let fixture: Fixture | undefined;
  let state: string | undefined;
  return {
    runtime: "workerd",
    get baseUrl() {
      if (!dev) throw new Error("seed() first");
      return dev.url;
    },
    headers: headersFor(withKeys),
    async seed() {
      fixture = await writeFixture({ withKeys });
      state = await mkdtemp(join(tmpdir(), "viben-suite-kv-"));
      await publishToLocalKv(fixture.home, join(state, "persist"), [fixture.project]);
      const envFile = join(state, "secrets.env");
      await writeFile(
        envFile,
        Object.entries(SECRET_ENV)
          .map(([k, v]) => `${k}=${v}\n`)
          .join(""),
        { mode: 0o600 },
      );
      dev = await startWranglerDev({ persistTo: join(state, "persist"), envFile });
      return fixture;
    },
    async stop() {
      await dev?.stop();
      await removeFixture(fixture);
      if (state) await rm(state, { recursive: true, force: true });
    },
  };
}
