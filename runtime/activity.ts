import type {
  GatewayActivity,
  RunCounts,
  SessionLane,
  SessionLanes,
} from "../handlers/capabilities/activity.js";
import type { EventBus, EventSubscription } from "../handlers/capabilities/events.js";
import type { RunQueue } from "../handlers/capabilities/queue.js";
import type { RunService } from "../handlers/capabilities/runs.js";

export interface ActivityTrackerOptions {
  events: EventBus;
  runs: RunService;
  queue: RunQueue;
  /** The queue's global concurrency limit (gateway.yaml, cached). */
  concurrency: () => Promise<number>;
  now?: () => number;
  /** Tool calls of ordinary runs waiting in the approval broker. */
  approvals?: () => number;
}

interface LiveRun {
  runId: string;
  agentId: string | null;
  startedAt: number;
}

const RUN_EVENTS = ["run_started", "run_complete", "run_error"];

/**
 * Which sessions have a live run, kept from the event bus (every run, however started, says
 * `run_started` and ends with `run_complete` or `run_error`), so /health and /lanes answer from memory.
 * The run manager stays the authority: a session it no longer runs is dropped when read, should an end
 * event have been missed.
 */
export class ActivityTracker implements GatewayActivity {
  private readonly live = new Map<string, LiveRun>();
  private started = 0;
  private subscription: EventSubscription | undefined;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: ActivityTrackerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Subscribes before any run can start. */
  start(): void {
    this.subscription = this.options.events.subscribe({ types: RUN_EVENTS }, { maxQueue: 10_000 });
    void this.consume(this.subscription);
  }

  stop(): void {
    this.closed = true;
    this.subscription?.close("gateway shutting down");
  }

  async lanes(): Promise<SessionLanes> {
    this.prune();
    const waiting = new Map<string, number>();
    for (const job of await this.options.queue.list({ status: "queued" })) {
      if (job.session_id) waiting.set(job.session_id, (waiting.get(job.session_id) ?? 0) + 1);
    }
    const now = this.now();
    const lanes: SessionLane[] = [...this.live].map(([sessionKey, run]) => ({
      sessionKey,
      state: "running",
      runId: run.runId,
      runningMs: Math.max(0, now - run.startedAt),
      waitersCount: waiting.get(sessionKey) ?? 0,
      agentId: run.agentId,
    }));
    for (const [sessionKey, count] of waiting) {
      if (this.live.has(sessionKey)) continue;
      lanes.push({
        sessionKey,
        state: "queued",
        runId: null,
        runningMs: null,
        waitersCount: count,
        agentId: null,
      });
    }
    return { activeRuns: this.live.size, globalMax: await this.options.concurrency(), lanes };
  }

  runs(): RunCounts {
    this.prune();
    return { total: this.started, active: this.live.size };
  }

  sessionsActive(): number {
    this.prune();
    return this.live.size;
  }

  pendingApprovals(): number {
    this.prune();
    let pending = this.options.approvals?.() ?? 0;
    for (const sessionId of this.live.keys()) {
      pending += this.options.runs.findInteractive?.(sessionId)?.pendingQuestions.length ?? 0;
    }
    return pending;
  }

  private prune(): void {
    for (const sessionId of this.live.keys()) {
      if (!this.options.runs.isRunning(sessionId)) this.live.delete(sessionId);
    }
  }

  private async consume(subscription: EventSubscription): Promise<void> {
    for (;;) {
      const event = await subscription.next();
      if (!event) break;
      if (!event.session_id) continue;
      if (event.type === "run_started") {
        this.started++;
        this.live.set(event.session_id, {
          runId: event.run_id ?? "",
          agentId: event.agent_id ?? null,
          startedAt: Date.parse(event.ts) || this.now(),
        });
      } else if (this.live.get(event.session_id)?.runId === event.run_id) {
        this.live.delete(event.session_id);
      }
    }
    // Dropped for falling behind (not closed by us): listen again; prune() corrects what was missed.
    if (!this.closed) this.start();
  }
}
