import type {
  Commitment,
  CommitmentInput,
  CommitmentService,
  CommitmentStatus,
} from "../../handlers/capabilities/commitments.js";
import type { EventBus } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { RunQueue } from "../../handlers/capabilities/queue.js";
import type { CommitmentRepository } from "../../storage/commitments.js";
import { conflict } from "../../storage/errors.js";
import { DueHeap } from "../cron/due-heap.js";
import { type QueueClock, systemQueueClock } from "../queue/clock.js";

export interface CommitmentSchedulerOptions {
  repository: CommitmentRepository;
  queue: RunQueue;
  logger: Logger;
  events?: EventBus;
  clock?: QueueClock;
  newId?: () => string;
}

/** `setTimeout` takes at most this many milliseconds; a later due time re-arms when the timer fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A wake-up job's source_id, so a wake-up cut off by a restart finds its job again instead of firing twice. */
const sourceIdOf = (id: string) => `commitment:${id}`;

/** What the agent is told when its commitment falls due. */
export function wakePrompt(c: Commitment, now: number): string {
  const due = c.dueAt === undefined ? "" : ` It was due at ${new Date(c.dueAt).toISOString()}`;
  const late = c.dueAt !== undefined && now > c.dueAt ? " and is now overdue." : ".";
  return [
    `You made a commitment: "${c.promise}".${due}${due ? late : ""}`,
    c.originalContext ? `Where you made it: ${c.originalContext}` : "",
    `Do what you promised now and report back. (Commitment ${c.id}, conversation ${c.sessionKey}.)`,
  ]
    .filter(Boolean)
    .join("\n");
}

/**
 * OpenVesper's commitments with their due times kept: one timer (a due-time heap over an injectable clock)
 * waits for the soonest open commitment; when it passes, the commitment is marked fired on disk and only
 * then its agent is woken through the run queue with a prompt saying what was promised, so it fires once.
 * At start the heap is re-armed from storage: a commitment due while the gateway was down fires at once,
 * and one marked fired whose job never reached the queue (a crash in between) is queued then.
 */
export class CommitmentScheduler implements CommitmentService {
  private readonly items = new Map<string, Commitment>();
  private readonly heap = new DueHeap();
  private readonly clock: QueueClock;
  private readonly newId: () => string;
  private cancelTimer: (() => void) | undefined;
  private armedAt: number | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private started = false;
  private stopped = false;

  constructor(private readonly options: CommitmentSchedulerOptions) {
    this.clock = options.clock ?? systemQueueClock;
    this.newId = options.newId ?? (() => `c_${this.clock.now()}_${crypto.randomUUID().slice(0, 8)}`);
  }

  async load(): Promise<void> {
    const loaded = await this.options.repository.loadAll((key, reason) =>
      this.options.logger.warn({ msg: "commitment file skipped", key, reason }),
    );
    for (const c of loaded) this.items.set(c.id, c);
  }

  /** Arms the timer; call once the queue runs. */
  async start(): Promise<void> {
    this.started = true;
    for (const c of this.items.values()) {
      if (c.status !== "open" || c.dueAt === undefined) continue;
      if (c.firedAt !== undefined && !c.jobId) this.track(this.resumeWake(c));
      else if (c.firedAt === undefined) this.heap.push({ jobId: c.id, at: c.dueAt, version: 0 });
    }
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /** Resolves once no wake-up is being queued (tests). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async create(input: CommitmentInput): Promise<Commitment> {
    const c: Commitment = {
      id: this.newId(),
      kind: input.kind,
      sessionKey: input.sessionKey,
      agent: input.agent,
      promise: input.promise,
      ...(input.originalContext === undefined ? {} : { originalContext: input.originalContext }),
      ...(input.dueAt === undefined ? {} : { dueAt: input.dueAt }),
      status: "open",
      createdAt: this.clock.now(),
    };
    await this.options.repository.save(c);
    this.items.set(c.id, c);
    if (c.dueAt !== undefined) {
      this.heap.push({ jobId: c.id, at: c.dueAt, version: 0 });
      this.arm();
    }
    return { ...c };
  }

  list(filter: { sessionKey?: string; agent?: string; status?: CommitmentStatus } = {}): Commitment[] {
    return [...this.items.values()]
      .filter(
        (c) =>
          (!filter.sessionKey || c.sessionKey === filter.sessionKey) &&
          (!filter.agent || c.agent === filter.agent) &&
          (!filter.status || c.status === filter.status),
      )
      .sort((a, b) => (a.dueAt ?? a.createdAt) - (b.dueAt ?? b.createdAt))
      .map((c) => ({ ...c }));
  }

  get(id: string): Commitment | null {
    const c = this.items.get(id);
    return c ? { ...c } : null;
  }

  fulfill(id: string): Promise<Commitment | null> {
    return this.end(id, "fulfilled");
  }

  cancel(id: string): Promise<Commitment | null> {
    return this.end(id, "cancelled");
  }

  counts() {
    let open = 0;
    let fulfilled = 0;
    for (const c of this.items.values()) {
      if (c.status === "open") open++;
      else if (c.status === "fulfilled") fulfilled++;
    }
    return { total: this.items.size, open, fulfilled };
  }

  private async end(id: string, status: "fulfilled" | "cancelled"): Promise<Commitment | null> {
    const c = this.items.get(id);
    if (!c) return null;
    if (c.status === status) return { ...c };
    if (c.status !== "open") {
      throw conflict("COMMITMENT_ENDED", `commitment '${id}' is already ${c.status}`, {
        id,
        status: c.status,
      });
    }
    const next: Commitment = {
      ...c,
      status,
      ...(status === "fulfilled" ? { fulfilledAt: this.clock.now() } : { cancelledAt: this.clock.now() }),
    };
    await this.options.repository.save(next);
    // Its heap entry is skipped when it comes up: only open, unfired commitments fire.
    this.items.set(id, next);
    return { ...next };
  }

  private arm(): void {
    if (!this.started || this.stopped) return;
    const next = this.heap.peek();
    if (!next) return;
    if (this.armedAt !== undefined && this.armedAt <= next.at) return;
    this.cancelTimer?.();
    this.armedAt = next.at;
    const delay = Math.min(Math.max(0, next.at - this.clock.now()), MAX_TIMER_MS);
    this.cancelTimer = this.clock.setTimer(delay, () => this.fireDue());
  }

  private fireDue(): void {
    this.cancelTimer = undefined;
    this.armedAt = undefined;
    if (this.stopped) return;
    const now = this.clock.now();
    for (let entry = this.heap.peek(); entry && entry.at <= now; entry = this.heap.peek()) {
      this.heap.pop();
      const c = this.items.get(entry.jobId);
      if (c?.status !== "open" || c.firedAt !== undefined || c.dueAt !== entry.at) continue;
      // Marked fired in memory before anything is awaited, so no later firing picks it up again.
      const fired: Commitment = { ...c, firedAt: now };
      this.items.set(c.id, fired);
      this.track(this.wake(fired));
    }
    this.arm();
  }

  /** Records the firing, then queues the wake-up run: a crash in between is resumed at the next start. */
  private async wake(c: Commitment): Promise<void> {
    await this.options.repository.save(c);
    await this.enqueue(c);
  }

  private async resumeWake(c: Commitment): Promise<void> {
    const jobs = await this.options.queue.list({ source: "api" });
    const job = jobs.find((j) => j.source_id === sourceIdOf(c.id));
    if (job) await this.record({ ...c, jobId: job.id });
    else await this.enqueue(c);
  }

  private async enqueue(c: Commitment): Promise<void> {
    const job = await this.options.queue.enqueue({
      agent_id: c.agent,
      prompt: wakePrompt(c, this.clock.now()),
      source: "api",
      source_id: sourceIdOf(c.id),
      metadata: { commitment_id: c.id, session_key: c.sessionKey },
      max_attempts: 1,
    });
    await this.record({ ...(this.items.get(c.id) ?? c), jobId: job.id });
    this.options.events?.publish({
      type: "commitment_due",
      commitment_id: c.id,
      agent_id: c.agent,
      session_key: c.sessionKey,
      job_id: job.id,
      promise: c.promise,
    });
  }

  private async record(c: Commitment): Promise<void> {
    this.items.set(c.id, c);
    await this.options.repository.save(c);
  }

  private track(work: Promise<void>): void {
    const guarded = work.catch((error: unknown) =>
      this.options.logger.error({ msg: "commitment wake-up failed", error: (error as Error).message }),
    );
    this.inFlight.add(guarded);
    void guarded.finally(() => this.inFlight.delete(guarded));
  }
}
