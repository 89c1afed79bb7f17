import type { QueueJob } from "../../handlers/capabilities/queue.js";
import type { QueueSettings } from "../../storage/queue-settings.js";
import type { RedisConnection } from "./connection.js";
import { liveSessionKey } from "./run-owners.js";

/**
 * The shared queue's state in Redis, changed only by the Lua scripts below so that every decision that
 * must hold across instances (which instance runs a job, lane limits, who may write a running job) is
 * one atomic step:
 *
 * - `queue:jobs`      hash  id → envelope JSON (the job plus what scheduling needs: seq, lanes, origin)
 * - `queue:queued`    zset  id → run order (priority, then seq)
 * - `queue:running`   hash  id → the instance that owns the job (claimed it or took it over)
 * - `queue:leases`    zset  id → lease expiry (Redis server time, ms): renewed by the owner while it lives
 * - `queue:finished`  zset  id → end time, trimmed to `retain_finished`
 * - `queue:cancels`   set   ids whose cancel was asked while they ran
 * - channel `queue:changes` every saved envelope; channel `queue:cancel` job ids to stop
 *
 * Scripts read the server's clock for leases, so instances' clocks need not agree; `not_before` (backoff)
 * is compared with the claiming instance's clock, as the single-instance queue does. Lua only decodes
 * envelopes (cjson would turn empty arrays into objects if it encoded them); JSON is built in TypeScript.
 */
export interface JobEnvelope {
  seq: number;
  /** The instance the job was enqueued on: its listeners (task sync, callbacks, channels) follow the job. */
  origin: string;
  /** Lanes: agent, workspace, and the session the job continues (busy while any run of it goes). */
  a: string;
  w: string;
  s?: string;
  /** `not_before` in ms, for the claim script. */
  nb?: number;
  job: QueueJob;
}

export type SaveKind = "running" | "queued" | "final";

export interface TakenOver {
  envelope: JobEnvelope;
  cancelRequested: boolean;
}

// Scores keep priority first and enqueue order second within a double's exact integer range.
const PRIORITY_LIMIT = 2_000_000;
const SEQ_SPAN = 2 ** 32;

const NOW = `local t = redis.call('TIME')
local rnow = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const TRIM = `local function trim(finished, jobs, cancels, retain)
  local extra = redis.call('ZCARD', finished) - retain
  if extra > 0 then
    local old = redis.call('ZRANGE', finished, 0, extra - 1)
    redis.call('ZREM', finished, unpack(old))
    redis.call('HDEL', jobs, unpack(old))
    redis.call('SREM', cancels, unpack(old))
  end
end`;

/** KEYS seq, jobs, queued · ARGV id, envelope without seq (`{…}`), priority, channel → seq. */
const ENQUEUE = `
local seq = redis.call('INCR', KEYS[1])
local body = ARGV[2]
local envelope = '{"seq":' .. seq .. (string.len(body) > 2 and ',' or '') .. string.sub(body, 2)
redis.call('HSET', KEYS[2], ARGV[1], envelope)
redis.call('ZADD', KEYS[3], string.format('%.0f', -tonumber(ARGV[3]) * ${SEQ_SPAN} + seq), ARGV[1])
redis.call('PUBLISH', ARGV[4], envelope)
return seq`;

/**
 * KEYS queued, jobs, running, leases · ARGV instance, lease ms, now ms, concurrency, per_agent,
 * per_workspace, how many to claim, how far to scan, live-session key prefix, session recheck ms,
 * instance key prefix →
 * { wake-at ms or -1, envelope… }. A job is claimed when its backoff has passed, its agent's, workspace's
 * and the global lane have room counting every instance's running jobs, and its session has no live run
 * on any live instance (the mark of a dead instance's run is dropped).
 */
const CLAIM = `${NOW}
local now = tonumber(ARGV[3])
local concurrency, perAgent, perWorkspace = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local running = redis.call('HKEYS', KEYS[3])
local total = #running
local agents, workspaces, sessions = {}, {}, {}
for _, id in ipairs(running) do
  local raw = redis.call('HGET', KEYS[2], id)
  if raw then
    local e = cjson.decode(raw)
    agents[e.a] = (agents[e.a] or 0) + 1
    workspaces[e.w] = (workspaces[e.w] or 0) + 1
    if type(e.s) == 'string' then sessions[e.s] = true end
  end
end
local result = { -1 }
local function wake(at)
  if result[1] < 0 or at < result[1] then result[1] = at end
end
if total >= concurrency then return result end
-- A session's live run, as run-owners.ts marks it: busy while the instance holding the mark lives.
local function liveElsewhere(session)
  local holder = redis.call('GET', ARGV[9] .. session)
  if not holder then return false end
  if redis.call('EXISTS', ARGV[11] .. holder) == 1 then return true end
  redis.call('DEL', ARGV[9] .. session)
  return false
end
local claimed = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[8]) - 1)) do
  if total >= concurrency or claimed >= tonumber(ARGV[7]) then break end
  local raw = redis.call('HGET', KEYS[2], id)
  if not raw then
    redis.call('ZREM', KEYS[1], id)
  else
    local e = cjson.decode(raw)
    local session = type(e.s) == 'string' and e.s or nil
    if type(e.nb) == 'number' and e.nb > now then
      wake(e.nb)
    elseif (agents[e.a] or 0) < perAgent and (workspaces[e.w] or 0) < perWorkspace then
      if session and (sessions[session] or liveElsewhere(session)) then
        wake(now + tonumber(ARGV[10]))
      else
        redis.call('ZREM', KEYS[1], id)
        redis.call('HSET', KEYS[3], id, ARGV[1])
        redis.call('ZADD', KEYS[4], rnow + tonumber(ARGV[2]), id)
        agents[e.a] = (agents[e.a] or 0) + 1
        workspaces[e.w] = (workspaces[e.w] or 0) + 1
        if session then sessions[session] = true end
        total = total + 1
        claimed = claimed + 1
        result[#result + 1] = raw
      end
    end
  end
end
return result`;

/**
 * KEYS jobs, running, leases, queued, finished, cancels · ARGV id, instance, envelope, kind, score,
 * ended ms, retain, channel → 1, or 0 when the job is no longer this instance's (its lease was taken over).
 */
const SAVE = `${TRIM}
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if ARGV[4] ~= 'running' then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
end
if ARGV[4] == 'queued' then
  redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
elseif ARGV[4] == 'final' then
  redis.call('SREM', KEYS[6], ARGV[1])
  redis.call('ZADD', KEYS[5], ARGV[6], ARGV[1])
  trim(KEYS[5], KEYS[1], KEYS[6], tonumber(ARGV[7]))
end
redis.call('PUBLISH', ARGV[8], ARGV[3])
return 1`;

/** KEYS queued, jobs, finished, cancels · ARGV id, envelope, ended ms, retain, channel → 1 if still queued. */
const CANCEL_QUEUED = `${TRIM}
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
trim(KEYS[3], KEYS[2], KEYS[4], tonumber(ARGV[4]))
redis.call('PUBLISH', ARGV[5], ARGV[2])
return 1`;

/** KEYS running, cancels · ARGV id, channel → the owner, or false when the job is not running. */
const REQUEST_CANCEL = `
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if not owner then return false end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[1])
return owner`;

/** KEYS running, leases · ARGV instance, lease ms → how many leases were renewed. */
const RENEW = `${NOW}
local renewed = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if all[i + 1] == ARGV[1] then
    redis.call('ZADD', KEYS[2], rnow + tonumber(ARGV[2]), all[i])
    renewed = renewed + 1
  end
end
return renewed`;

/**
 * KEYS running, leases, jobs, cancels · ARGV instance, lease ms, previous-life flag → { envelope, cancel
 * flag }… of the jobs taken over: those whose lease expired, and with the flag set also those still owned
 * by this instance's id (a restart under the same VIBEN_INSTANCE_ID: nothing of ours runs yet).
 */
const TAKE_OVER = `${NOW}
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', rnow)
if ARGV[3] == '1' then
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all, 2 do
    if all[i + 1] == ARGV[1] then ids[#ids + 1] = all[i] end
  end
end
local result = {}
local seen = {}
for _, id in ipairs(ids) do
  if not seen[id] then
    seen[id] = true
    local raw = redis.call('HGET', KEYS[3], id)
    if raw and redis.call('HEXISTS', KEYS[1], id) == 1 then
      redis.call('HSET', KEYS[1], id, ARGV[1])
      redis.call('ZADD', KEYS[2], rnow + tonumber(ARGV[2]), id)
      result[#result + 1] = raw
      result[#result + 1] = tostring(redis.call('SISMEMBER', KEYS[4], id))
    else
      redis.call('ZREM', KEYS[2], id)
    end
  end
end
return result`;

export interface QueueStore {
  enqueue(envelope: Omit<JobEnvelope, "seq">): Promise<number>;
  claim(options: {
    now: number;
    settings: QueueSettings;
    max: number;
    sessionRecheckMs: number;
  }): Promise<{ claimed: JobEnvelope[]; wakeAt?: number }>;
  /** Writes a job this instance owns; `false` when it no longer does. */
  save(envelope: JobEnvelope, kind: SaveKind, retain: number): Promise<boolean>;
  cancelQueued(envelope: JobEnvelope, retain: number): Promise<boolean>;
  /** Marks a running job's cancel and tells its owner; `false` when the job is not running. */
  requestCancel(id: string): Promise<boolean>;
  renew(): Promise<number>;
  takeOver(previousLife: boolean): Promise<TakenOver[]>;
  get(id: string): Promise<JobEnvelope | null>;
  all(): Promise<JobEnvelope[]>;
  /** A queued job's 1-based place in run order. */
  position(id: string): Promise<number | undefined>;
  /** Queued ids in run order. */
  queuedIds(): Promise<string[]>;
  /** Running job ids with their owners. */
  running(): Promise<Map<string, string>>;
  cancelRequested(id: string): Promise<boolean>;
  readonly changesChannel: string;
  readonly cancelChannel: string;
}

/** How many queued jobs one claim looks at (jobs further back wait for the next pass). */
const CLAIM_SCAN = 1000;

export function redisQueueStore(redis: RedisConnection, instanceId: string, leaseMs: number): QueueStore {
  const key = (part: string) => redis.key("queue", part);
  const jobs = key("jobs");
  const queued = key("queued");
  const running = key("running");
  const leases = key("leases");
  const finished = key("finished");
  const cancels = key("cancels");
  const changesChannel = key("changes");
  const cancelChannel = key("cancel");
  const livePrefix = liveSessionKey(redis, "");
  const client = redis.client;
  const parse = (raw: string) => JSON.parse(raw) as JobEnvelope;
  const scoreOf = (envelope: JobEnvelope) => {
    const priority = Math.max(-PRIORITY_LIMIT, Math.min(PRIORITY_LIMIT, envelope.job.priority ?? 0));
    return String(-priority * SEQ_SPAN + envelope.seq);
  };
  const endedOf = (envelope: JobEnvelope) => String(Date.parse(envelope.job.ended_at ?? "") || Date.now());

  return {
    changesChannel,
    cancelChannel,
    async enqueue(envelope) {
      const priority = Math.max(-PRIORITY_LIMIT, Math.min(PRIORITY_LIMIT, envelope.job.priority ?? 0));
      const seq = await client.eval(
        ENQUEUE,
        3,
        key("seq"),
        jobs,
        queued,
        envelope.job.id,
        JSON.stringify(envelope),
        String(priority),
        changesChannel,
      );
      return Number(seq);
    },
    async claim({ now, settings, max, sessionRecheckMs }) {
      const [wake, ...raws] = (await client.eval(
        CLAIM,
        4,
        queued,
        jobs,
        running,
        leases,
        instanceId,
        String(leaseMs),
        String(now),
        String(settings.concurrency),
        String(settings.per_agent),
        String(settings.per_workspace),
        String(max),
        String(CLAIM_SCAN),
        livePrefix,
        String(sessionRecheckMs),
        redis.key("instances", ""),
      )) as [number, ...string[]];
      return { claimed: raws.map(parse), ...(wake >= 0 ? { wakeAt: wake } : {}) };
    },
    async save(envelope, kind, retain) {
      const saved = await client.eval(
        SAVE,
        6,
        jobs,
        running,
        leases,
        queued,
        finished,
        cancels,
        envelope.job.id,
        instanceId,
        JSON.stringify(envelope),
        kind,
        scoreOf(envelope),
        endedOf(envelope),
        String(retain),
        changesChannel,
      );
      return saved === 1;
    },
    async cancelQueued(envelope, retain) {
      const done = await client.eval(
        CANCEL_QUEUED,
        4,
        queued,
        jobs,
        finished,
        cancels,
        envelope.job.id,
        JSON.stringify(envelope),
        endedOf(envelope),
        String(retain),
        changesChannel,
      );
      return done === 1;
    },
    async requestCancel(id) {
      const owner = await client.eval(REQUEST_CANCEL, 2, running, cancels, id, cancelChannel);
      return typeof owner === "string";
    },
    async renew() {
      return Number(await client.eval(RENEW, 2, running, leases, instanceId, String(leaseMs)));
    },
    async takeOver(previousLife) {
      const flat = (await client.eval(
        TAKE_OVER,
        4,
        running,
        leases,
        jobs,
        cancels,
        instanceId,
        String(leaseMs),
        previousLife ? "1" : "0",
      )) as string[];
      const taken: TakenOver[] = [];
      for (let i = 0; i < flat.length; i += 2)
        taken.push({ envelope: parse(flat[i]!), cancelRequested: flat[i + 1] === "1" });
      return taken;
    },
    async get(id) {
      const raw = await client.hget(jobs, id);
      return raw ? parse(raw) : null;
    },
    async all() {
      return Object.values(await client.hgetall(jobs)).map(parse);
    },
    async position(id) {
      const rank = await client.zrank(queued, id);
      return rank === null ? undefined : rank + 1;
    },
    queuedIds: () => client.zrange(queued, 0, -1),
    async running() {
      return new Map(Object.entries(await client.hgetall(running)));
    },
    async cancelRequested(id) {
      return (await client.sismember(cancels, id)) === 1;
    },
  };
}
