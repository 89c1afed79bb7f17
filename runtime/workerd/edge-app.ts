import type { Storage } from "unstorage";
import type { Logger } from "../../handlers/capabilities/logger.js";
import { createApp, type GatewayApp } from "../../handlers/index.js";
import { kvBackends } from "../../storage/drivers/kv.js";
import { KvAppendLog } from "../../storage/drivers/kv-append-log.js";
import { HistoryRepository } from "../../storage/history.js";
import { Scopes } from "../../storage/scopes.js";
import { SessionRepository } from "../../storage/sessions.js";
import { VERSION } from "../version.js";
import { PublishedExecutorCatalog } from "./executor-snapshot.js";
import { KvEdgeInbox } from "./inbox.js";
import { PublishedCron } from "./published-cron.js";
import { readOnlyBackends } from "./read-only.js";
import { edgeRemoteAddress } from "./remote-address.js";

/** Whose data the edge serves: the local gateway's home and roots, as the publish manifest says. */
export interface EdgeSite {
  home: string;
  globalRoot: string;
  /** Workspaces published besides the home one. */
  workspaces: string[];
}

export interface EdgeAppOptions {
  kv: Storage;
  site: EdgeSite;
  env: Readonly<Record<string, string>>;
  logger: Logger;
}

/**
 * The shared handlers over KV. Published data is read-only (writes answer 501) except the webhook
 * route's own Idempotency-Key records (`hooks:` in the global root). Capabilities that need processes,
 * PTYs, schedulers or an event bus are absent, so their routes answer 501; executors and cron are served
 * from what was published; webhooks go to the inbox.
 */
export function createEdgeApp({ kv, site, env, logger }: EdgeAppOptions): GatewayApp {
  const backend = readOnlyBackends(
    kvBackends(kv),
    (root, key) => root === site.globalRoot && key.startsWith("hooks:"),
  );
  const scopes = new Scopes({ home: site.home, globalRoot: site.globalRoot, backend });
  const log = new KvAppendLog(scopes.global().store);
  const history = new HistoryRepository({ log });
  const sessions = new SessionRepository({ scope: scopes.global(), log, history });
  const published = new Set([site.home, ...site.workspaces]);
  return createApp({
    runtime: "workerd",
    version: VERSION,
    scopes,
    env,
    // Only published workspaces exist at the edge, and there are no symbolic links to resolve.
    paths: {
      isDirectory: async (path) => published.has(path),
      realpath: async (path) => path,
      specialFilesystem: async () => undefined,
    },
    logger,
    executors: new PublishedExecutorCatalog(kv),
    cron: new PublishedCron(scopes.global(), log, () => new Date()),
    sessions,
    history,
    edgeInbox: new KvEdgeInbox(kv),
    remoteAddress: edgeRemoteAddress,
  });
}
