import type { Logger } from "../../handlers/capabilities/logger.js";
import type { QueueJob, QueueJobStatus, QueueSource } from "../../handlers/capabilities/queue.js";
import type { RunService } from "../../handlers/capabilities/runs.js";
import { DEFAULT_QUEUE_SETTINGS, type QueueSettings } from "../../storage/queue-settings.js";
import type { QueueClock } from "./clock.js";
import { errorMessage } from "./job-view.js";

/** The pieces both queues (journal-backed and Redis-shared) run the same way. */

export type QueueState = "new" | "open" | "started" | "stopping" | "stopped";

/** How often a job waiting for its busy session looks again (nothing reports the session's end to us). */
export const SESSION_RECHECK_MS = 1000;

export type ListFilter = { status?: QueueJobStatus; agent_id?: string; source?: QueueSource; limit?: number };

/**
 * `GET /api/queue`'s order: running jobs first (oldest start first), then queued ones in run order, then
 * finished ones, newest first; filtered and limited. `position` is a queued job's place in run order.
 */
export function listJobs<T extends { seq: number; job: QueueJob }>(
  items: T[],
  filter: ListFilter,
  position: (item: T) => number | undefined,
): T[] {
  const rank = (job: QueueJob) => (job.status === "running" ? 0 : job.status === "queued" ? 1 : 2);
  const matches = items.filter(
    ({ job }) =>
      (!filter.status || job.status === filter.status) &&
      (!filter.agent_id || job.agent_id === filter.agent_id) &&
      (!filter.source || job.source === filter.source),
  );
  const place = (item: T) => position(item) ?? Number.MAX_SAFE_INTEGER;
  matches.sort(
    (a, b) =>
      rank(a.job) - rank(b.job) ||
      (rank(a.job) === 0 ? (a.job.started_at ?? "").localeCompare(b.job.started_at ?? "") : 0) ||
      (rank(a.job) === 1 ? place(a) - place(b) : 0) ||
      (b.job.ended_at ?? "").localeCompare(a.job.ended_at ?? "") ||
      b.seq - a.seq,
  );
  return filter.limit === undefined ? matches : matches.slice(0, filter.limit);
}

/** Lane limits and retry policy, read before each pass; an unreadable gateway.yaml keeps the last. */
export class QueueSettingsReader {
  current: QueueSettings = DEFAULT_QUEUE_SETTINGS;

  constructor(
    private readonly source: (() => Promise<QueueSettings>) | undefined,
    private readonly logger: Logger,
  ) {}

  async read(): Promise<QueueSettings> {
    try {
      this.current = (await this.source?.()) ?? DEFAULT_QUEUE_SETTINGS;
    } catch (error) {
      this.logger.warn({ msg: "queue settings unreadable; keeping the last", error: errorMessage(error) });
    }
    return this.current;
  }
}

/** The one timer for the earliest moment a skipped job may become runnable (a backoff, a busy session). */
export class WakeTimer {
  private timer: { at: number; cancel: () => void } | undefined;

  constructor(
    private readonly clock: QueueClock,
    private readonly wake: () => void,
  ) {}

  at(at: number | undefined): void {
    if (at === undefined) return;
    if (this.timer && this.timer.at <= at) return;
    this.timer?.cancel();
    const timer = {
      at,
      cancel: this.clock.setTimer(Math.max(0, at - this.clock.now()), () => {
        if (this.timer === timer) this.timer = undefined;
        this.wake();
      }),
    };
    this.timer = timer;
  }

  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}

/** Work a queue has under way (launches, completions, upkeep): idle is when none is left. */
export class QueueWork {
  private readonly work = new Set<Promise<unknown>>();

  constructor(private readonly logger: Logger) {}

  track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) =>
      this.logger.error({ msg: "queue job handling failed", error: errorMessage(error) }),
    );
    this.work.add(tracked);
    void tracked.finally(() => this.work.delete(tracked));
  }

  get busy(): boolean {
    return this.work.size > 0;
  }

  settled(): Promise<unknown> {
    return Promise.allSettled([...this.work]);
  }
}

/**
 * Stops every run the queue has going, until none is left: launches in flight settle first (each either
 * starts its run or puts its job back), then each live session is stopped through the run service and its
 * completion recorded. Runs stopped this way end `interrupted` and follow the retry policy.
 */
export async function stopLiveRuns(
  runs: RunService,
  liveSessions: () => (string | undefined)[],
  whenIdle: () => Promise<void>,
): Promise<void> {
  const asked = new Set<string>();
  for (;;) {
    await whenIdle();
    const sessions = liveSessions().filter(
      (session): session is string => session !== undefined && !asked.has(session),
    );
    if (sessions.length === 0) return;
    for (const session of sessions) asked.add(session);
    await Promise.all(sessions.map((session) => runs.stop(session).catch(() => false)));
  }
}
