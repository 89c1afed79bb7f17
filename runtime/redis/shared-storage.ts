import type { Redis } from "ioredis";
import { createStorage, type Driver, defineDriver } from "unstorage";
import redisDriver from "unstorage/drivers/redis";
import {
  type AppendLog,
  type AppendOptions,
  type FromOptions,
  type LogPage,
  readAll,
  type TailOptions,
} from "../../storage/append-log.js";
import type { BackendFactory, ScopeBackend } from "../../storage/backend.js";
import type { RedisConnection } from "./connection.js";
import type { MultiInstance } from "./multi-instance.js";
import { RedisAppendLog } from "./redis-append-log.js";

/**
 * The global data folder in multi-instance mode: documents in Redis through unstorage's redis driver
 * (`<prefix>:data:<key>`, one SET per write, so a write is all-or-nothing), except what belongs to one
 * instance (see `isInstanceLocalKey`), which stays in the instance's own `~/.viben`. Workspace roots stay on
 * the filesystem they live on (a shared volume in such a deployment).
 *
 * Change notifications: every shared key written or removed is published on `<prefix>:data:changes`, and
 * every instance's watcher hears it (its own writes too), so parsed documents stay cached and are voided on
 * any instance's write. Nothing else writes to Redis, so the notifications cover every change.
 */

/**
 * Keys that describe one instance, its machine or its own bookkeeping, never shared: gateway.yaml (it holds
 * the Redis URL itself, the listen address and keys), executor command paths, the process and live-run
 * markers crash recovery reads at start, the single-instance queue journal, cron's and the heartbeat's
 * own state, the day-files of the audit log, and edge publishing state.
 */
const LOCAL_ROOT_KEYS = new Set(["gateway.yaml", "gateway.lock"]);
const LOCAL_FOLDERS = [
  "run",
  "runs:live",
  "executors",
  "queue",
  // Cron's due index and per-job state are this scheduler's own; the jobs and their run logs are shared.
  "cron:index.json",
  "cron:state",
  "heartbeat",
  "audit",
  "edge",
  // Work items of per-instance workers (timers armed at start, deliveries, background runs): each is
  // carried out by the instance it was created on; shared, every instance would act on each one.
  "commitments",
  "channel-outbox",
  "background-tasks",
];

export function isInstanceLocalKey(key: string): boolean {
  const normalised = key.replace(/[/\\]/g, ":").replace(/^:+/, "");
  if (LOCAL_ROOT_KEYS.has(normalised)) return true;
  return LOCAL_FOLDERS.some((folder) => normalised === folder || normalised.startsWith(`${folder}:`));
}

/** The channel of changed shared keys. */
export const dataChangesChannel = (redis: RedisConnection) => redis.key("data", "changes");

type WatchCallback = (event: "update" | "remove", key: string) => void;

/**
 * One unstorage driver over two: instance-local keys to `local`, every other key to `shared`; listings
 * merge both (each side filtered to its own keys, so a stray file never shadows shared data).
 */
export function splitDriver(options: {
  local: Driver;
  shared: Driver;
  /** Called after a shared key was written or removed (publishes it). */
  changed: (key: string) => Promise<void>;
  /** Subscribes to shared changes; answers the unsubscribe. */
  watchShared: (callback: WatchCallback) => Promise<() => Promise<void>>;
}): Driver {
  const { local, shared } = options;
  const pick = (key: string) => (isInstanceLocalKey(key) ? local : shared);
  return defineDriver(() => ({
    name: "viben-split",
    hasItem: (key, opts) => pick(key).hasItem(key, opts),
    getItem: (key, opts) => pick(key).getItem(key, opts),
    getItemRaw: (key, opts) => {
      const driver = pick(key);
      return driver.getItemRaw ? driver.getItemRaw(key, opts) : driver.getItem(key, opts);
    },
    async setItem(key, value, opts) {
      const driver = pick(key);
      await driver.setItem?.(key, value, opts);
      if (driver === shared) await options.changed(key);
    },
    async setItemRaw(key, value, opts) {
      const driver = pick(key);
      if (driver.setItemRaw) await driver.setItemRaw(key, value, opts);
      else await driver.setItem?.(key, value, opts);
      if (driver === shared) await options.changed(key);
    },
    async removeItem(key, opts) {
      const driver = pick(key);
      await driver.removeItem?.(key, opts);
      if (driver === shared) await options.changed(key);
    },
    async getKeys(base, opts) {
      const [own, common] = await Promise.all([local.getKeys(base, opts), shared.getKeys(base, opts)]);
      return [...own.filter(isInstanceLocalKey), ...common.filter((key) => !isInstanceLocalKey(key))];
    },
    async clear(base, opts) {
      await Promise.all([local.clear?.(base, opts), shared.clear?.(base, opts)]);
    },
    async watch(callback) {
      const unwatchLocal = await local.watch?.(callback);
      const unwatchShared = await options.watchShared(callback);
      return async () => {
        await unwatchLocal?.();
        await unwatchShared();
      };
    },
    async dispose() {
      await Promise.all([local.dispose?.(), shared.dispose?.()]);
    },
  }))(undefined);
}

/** The unstorage redis driver on the gateway's Redis, under `<prefix>:data`. */
export function sharedDataDriver(redis: RedisConnection): Driver {
  return redisDriver({
    url: redis.settings.url,
    base: redis.key("data"),
    // As the gateway's own connections: wait through a Redis restart rather than fail the request.
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
    connectionName: "viben-data",
  });
}

/**
 * Backends for multi-instance mode: the global root split between `local` (the filesystem backend of the
 * instance's own `~/.viben`) and Redis; workspace roots unchanged.
 */
export function sharedBackends(
  redis: RedisConnection,
  changes: SharedKeyChanges,
  fsBackends: BackendFactory,
  localDriver: (root: string) => Driver,
): BackendFactory {
  const channel = dataChangesChannel(redis);
  return (root, kind) => {
    if (kind !== "global") return fsBackends(root, kind);
    const storage = createStorage({
      driver: splitDriver({
        local: localDriver(root),
        shared: sharedDataDriver(redis),
        changed: async (key) => {
          await redis.client.publish(channel, key);
        },
        watchShared: (callback) => changes.listen((key) => callback("update", key)),
      }),
    });
    const backend: ScopeBackend = {
      storage,
      async watch(onChange) {
        await storage.watch((_event, key) => onChange(key));
        return true;
      },
      dispose: () => storage.dispose(),
    };
    return backend;
  };
}

/** The global root's logs split the same way: instance-local keys to the filesystem, the rest to Redis. */
export class SplitAppendLog implements AppendLog {
  constructor(
    private readonly local: AppendLog,
    private readonly shared: AppendLog,
  ) {}

  private pick(key: string): AppendLog {
    return isInstanceLocalKey(key) ? this.local : this.shared;
  }

  append(key: string, records: readonly object[], options?: AppendOptions): Promise<void> {
    return this.pick(key).append(key, records, options);
  }

  readTail(key: string, options: TailOptions): Promise<LogPage> {
    return this.pick(key).readTail(key, options);
  }

  readFrom(key: string, options: FromOptions): Promise<LogPage> {
    return this.pick(key).readFrom(key, options);
  }

  async count(key: string): Promise<number> {
    const log = this.pick(key);
    if (log.count) return log.count(key);
    let total = 0;
    for await (const page of readAll(log, key)) total += page.length;
    return total;
  }

  remove(key: string): Promise<void> {
    return this.pick(key).remove(key);
  }

  truncate(key: string): Promise<void> {
    return this.pick(key).truncate(key);
  }
}

/**
 * The changed shared keys every instance announces, heard over one subscriber connection however many
 * parts listen (the global scope's cache, the cron scheduler).
 */
export class SharedKeyChanges {
  private readonly listeners = new Set<(key: string) => void>();
  private subscribed: Promise<void> | undefined;

  constructor(private readonly redis: RedisConnection) {}

  /** Calls `listener` with every shared key any instance writes or removes (its own included). */
  async listen(listener: (key: string) => void): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    this.subscribed ??= this.subscribe();
    await this.subscribed;
    return async () => {
      this.listeners.delete(listener);
    };
  }

  private async subscribe(): Promise<void> {
    // Closed with the gateway's Redis connection.
    const subscriber: Redis = this.redis.open("data-changes");
    subscriber.on("message", (_channel: string, key: string) => {
      for (const listener of this.listeners) listener(key);
    });
    await subscriber.subscribe(dataChangesChannel(this.redis));
  }
}

/** The global root's backend and log in multi-instance mode (what gateway-services.ts swaps in). */
export function sharedGlobalStorage(
  multi: MultiInstance,
  fs: { backends: BackendFactory; driver: (root: string) => Driver; log: AppendLog },
): { backends: BackendFactory; log: AppendLog; changes: SharedKeyChanges } {
  const redis = multi.redis;
  const changes = new SharedKeyChanges(redis);
  return {
    backends: sharedBackends(redis, changes, fs.backends, fs.driver),
    log: new SplitAppendLog(fs.log, new RedisAppendLog(redis.client, (key) => redis.key("log", key))),
    changes,
  };
}
