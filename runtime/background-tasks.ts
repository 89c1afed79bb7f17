import type {
  BackgroundTask,
  BackgroundTaskCounts,
  BackgroundTaskInput,
  BackgroundTaskService,
  BackgroundTaskStatus,
} from "../handlers/capabilities/background-tasks.js";
import type { EventBus } from "../handlers/capabilities/events.js";
import type { Logger } from "../handlers/capabilities/logger.js";
import type { QueueJob, RunQueue } from "../handlers/capabilities/queue.js";
import type { BackgroundTaskRepository } from "../storage/background-tasks.js";
import type { Scope } from "../storage/scopes.js";
import { ensureSessionKey } from "../storage/session-keys.js";
import type { SessionRepository } from "../storage/sessions.js";

export interface BackgroundTaskSchedulerOptions {
  repository: BackgroundTaskRepository;
  queue: RunQueue;
  /** Where a sessionKey naming one of our sessions is found, and a run's answer is read. */
  sessions?: SessionRepository;
  /** The global scope, where the sessionKey index lives (storage/session-keys.ts). */
  scope?: Scope;
  events?: EventBus;
  logger: Logger;
  /** The agent a task that names none runs with. */
  defaultAgent: () => Promise<string | null | undefined>;
  now?: () => number;
  newId?: () => string;
}

/** `setTimeout` takes at most this many milliseconds (about 24.8 days); later times re-arm on firing. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A queue job of a task carries this source_id, so a task cut off just after enqueueing finds its job again. */
const sourceIdOf = (taskId: string) => `background-task:${taskId}`;

/**
 * OpenVesper's background tasks over our run queue. Every task is a file (storage/background-tasks.ts) and
 * the map here mirrors them, so listing and counting never touch the disk. One timer waits for the soonest
 * `runAt`; a due task is handed to the queue as a job (a reminder only announces itself on the bus), and
 * when it ends a recurring task schedules its next occurrence `recurEveryMs` later as a new task, as the
 * original does. Across a restart: scheduled tasks keep their time (one past due runs at start, once),
 * and a running task follows its queue job to the end.
 */
export class BackgroundTaskScheduler implements BackgroundTaskService {
  private readonly tasks = new Map<string, BackgroundTask>();
  private readonly now: () => number;
  private readonly newId: () => string;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private started = false;
  private stopped = false;

  constructor(private readonly options: BackgroundTaskSchedulerOptions) {
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => `t_${this.now()}_${crypto.randomUUID().slice(0, 8)}`);
  }

  /** Loads the tasks; call once the queue is open (running tasks look their jobs up in it). */
  async load(): Promise<void> {
    const loaded = await this.options.repository.loadAll((key, reason) =>
      this.options.logger.warn({ msg: "background task file skipped", key, reason }),
    );
    for (const task of loaded) this.tasks.set(task.id, task);
  }

  /** Starts timing and resumes tasks a restart cut off; call once the queue runs. */
  async start(): Promise<void> {
    this.started = true;
    for (const task of this.tasks.values()) {
      if (task.status !== "running") continue;
      const job = await this.jobOf(task);
      if (job) this.track(this.follow(task, job));
      else {
        // Cut off before its job was queued: it never ran, so it runs now.
        task.status = "scheduled";
        task.startedAt = null;
        await this.save(task);
      }
    }
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves once no task is being started or followed (tests). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async create(input: BackgroundTaskInput): Promise<BackgroundTask> {
    return this.add(input, {});
  }

  list(filter: { status?: BackgroundTaskStatus; sessionKey?: string } = {}): BackgroundTask[] {
    return [...this.tasks.values()]
      .filter(
        (t) =>
          (!filter.status || t.status === filter.status) &&
          (!filter.sessionKey || t.sessionKey === filter.sessionKey),
      )
      .sort((a, b) => a.runAt - b.runAt || a.createdAt - b.createdAt)
      .map((t) => ({ ...t }));
  }

  get(id: string): BackgroundTask | null {
    const task = this.tasks.get(id);
    return task ? { ...task } : null;
  }

  async cancel(id: string): Promise<boolean> {
    const task = this.tasks.get(id);
    if (!task || (task.status !== "scheduled" && task.status !== "running")) return false;
    const jobId = task.status === "running" ? task.jobId : undefined;
    task.status = "cancelled";
    task.completedAt = this.now();
    await this.save(task);
    this.arm();
    // A running task's run is stopped; `follow` sees the cancel and leaves the record alone.
    if (jobId) {
      await this.options.queue.cancel(jobId).catch((error: unknown) =>
        this.options.logger.info({
          msg: "background task: its job had already ended",
          task_id: id,
          error: (error as Error).message,
        }),
      );
    }
    this.publish("background_task_ended", task);
    return true;
  }

  counts(): BackgroundTaskCounts {
    const counts = { total: this.tasks.size, scheduled: 0, running: 0, complete: 0 };
    for (const task of this.tasks.values()) {
      if (task.status === "scheduled") counts.scheduled++;
      else if (task.status === "running") counts.running++;
      else if (task.status === "complete") counts.complete++;
    }
    return counts;
  }

  private async add(input: BackgroundTaskInput, extra: Partial<BackgroundTask>): Promise<BackgroundTask> {
    const now = this.now();
    const task: BackgroundTask = {
      id: this.newId(),
      kind: input.kind,
      sessionKey: input.sessionKey,
      ...(input.agent === undefined ? {} : { agent: input.agent }),
      channel: input.channel ?? "rest",
      payload: input.payload,
      runAt: input.runAt ?? now,
      ...(input.recurEveryMs === undefined ? {} : { recurEveryMs: input.recurEveryMs }),
      createdAt: now,
      status: "scheduled",
      startedAt: null,
      completedAt: null,
      result: null,
      error: null,
      sessionId: null,
      jobId: null,
      runId: null,
      ...extra,
    };
    // Written before it is known in memory: a task answered to a client is on disk.
    await this.options.repository.save(task);
    this.tasks.set(task.id, task);
    this.arm();
    return { ...task };
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.started || this.stopped) return;
    let soonest: number | undefined;
    for (const task of this.tasks.values()) {
      if (task.status === "scheduled" && (soonest === undefined || task.runAt < soonest))
        soonest = task.runAt;
    }
    if (soonest === undefined) return;
    const delay = Math.min(Math.max(0, soonest - this.now()), MAX_TIMER_MS);
    this.timer = setTimeout(() => this.fireDue(), delay);
    this.timer.unref?.();
  }

  private fireDue(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const now = this.now();
    for (const task of this.tasks.values()) {
      if (task.status !== "scheduled" || task.runAt > now) continue;
      // Marked running before anything is awaited, so no later firing picks it up again.
      task.status = "running";
      task.startedAt = now;
      this.track(this.run(task));
    }
    this.arm();
  }

  private track(work: Promise<void>): void {
    const guarded = work.catch((error: unknown) =>
      this.options.logger.error({ msg: "background task failed", error: (error as Error).message }),
    );
    this.inFlight.add(guarded);
    void guarded.finally(() => this.inFlight.delete(guarded));
  }

  private async run(task: BackgroundTask): Promise<void> {
    await this.save(task);
    this.publish("background_task_started", task);
    if (task.kind === "reminder") {
      const message = `⏰ Reminder: ${task.payload}`;
      this.options.events?.publish({
        type: "background_task_reminder",
        task_id: task.id,
        session_key: task.sessionKey,
        channel: task.channel,
        message,
      });
      return this.finish(task, "complete", { result: message });
    }
    const agentId = task.agent ?? (await this.options.defaultAgent());
    if (!agentId) return this.finish(task, "error", { error: "no agent given and no default agent set" });
    task.sessionId ??= await this.sessionNamedBy(task.sessionKey);
    let job: QueueJob;
    try {
      job = await this.options.queue.enqueue({
        agent_id: agentId,
        prompt: task.payload,
        ...(task.sessionId ? { session_id: task.sessionId } : {}),
        source: "api",
        source_id: sourceIdOf(task.id),
        metadata: { background_task_id: task.id, channel: task.channel, session_key: task.sessionKey },
        max_attempts: 1,
      });
    } catch (error) {
      return this.finish(task, "error", { error: `could not queue the run: ${(error as Error).message}` });
    }
    if (task.status !== "running") return; // cancelled meanwhile
    task.jobId = job.id;
    await this.save(task);
    await this.follow(task, job);
  }

  /** Waits for the task's job to end and records its outcome. */
  private async follow(task: BackgroundTask, job: QueueJob): Promise<void> {
    const done = await this.options.queue.waitFor(job.id);
    if (this.stopped || task.status !== "running") return;
    const attempt = done.attempt_log?.at(-1);
    const sessionId = attempt?.session_id ?? done.session_id ?? task.sessionId ?? null;
    const runId = done.run_id ?? attempt?.run_id ?? null;
    Object.assign(task, { sessionId, runId });
    if (done.status !== "succeeded") {
      return this.finish(task, "error", {
        error: `the run ${done.status}${done.error ? `: ${done.error}` : ""}`,
      });
    }
    return this.finish(task, "complete", { result: await this.answerOf(sessionId, runId) });
  }

  private async finish(
    task: BackgroundTask,
    status: "complete" | "error",
    outcome: { result?: string; error?: string },
  ): Promise<void> {
    if (this.stopped || task.status !== "running") return;
    // The next occurrence is written before this task's end, so a crash in between cannot lose the
    // schedule (a restart finds this task running, follows its job again, and finds the next one made).
    // A recurring task goes on after a failed run too: one bad run does not end a schedule.
    let next = [...this.tasks.values()].find((t) => t.previousTaskId === task.id);
    if (!next && task.recurEveryMs) {
      next = await this.add(
        {
          kind: task.kind,
          sessionKey: task.sessionKey,
          ...(task.agent === undefined ? {} : { agent: task.agent }),
          channel: task.channel,
          payload: task.payload,
          runAt: this.now() + task.recurEveryMs,
          recurEveryMs: task.recurEveryMs,
        },
        { sessionId: task.sessionId ?? null, previousTaskId: task.id },
      );
    }
    task.status = status;
    task.completedAt = this.now();
    task.result = outcome.result ?? null;
    task.error = outcome.error ?? null;
    await this.save(task);
    this.publish("background_task_ended", task, next ? { next_task_id: next.id } : {});
  }

  /** The job of a task cut off by a restart: the one it recorded, or one queued just before the cut. */
  private async jobOf(task: BackgroundTask): Promise<QueueJob | null> {
    if (task.jobId) {
      const job = await this.options.queue.get(task.jobId);
      if (job) return job;
    }
    const jobs = await this.options.queue.list({ source: "api" });
    return jobs.find((job) => job.source_id === sourceIdOf(task.id)) ?? null;
  }

  /** The session a sessionKey names: the same index POST /agent and /sessions/:key use (made on first use). */
  private async sessionNamedBy(sessionKey: string): Promise<string | null> {
    const { sessions, scope } = this.options;
    if (!sessions) return null;
    try {
      if (scope) return await ensureSessionKey({ scope, sessions }, sessionKey);
      return (await sessions.find(sessionKey)) ? sessionKey : null;
    } catch {
      return null; // not a usable key: the run starts a new session
    }
  }

  /** The run's answer: its assistant messages. */
  private async answerOf(sessionId: string | null, runId: string | null): Promise<string> {
    if (!sessionId || !this.options.sessions) return "";
    const page = await this.options.sessions.listMessages(sessionId, { limit: 200 });
    return page.messages
      .filter((m) => m.role === "assistant" && (!runId || m.run_id === runId))
      .map((m) => m.content)
      .join("\n");
  }

  private async save(task: BackgroundTask): Promise<void> {
    await this.options.repository.save(task);
  }

  private publish(type: string, task: BackgroundTask, extra: Record<string, unknown> = {}): void {
    this.options.events?.publish({
      type,
      ...extra,
      task_id: task.id,
      kind: task.kind,
      status: task.status,
      session_key: task.sessionKey,
      ...(task.sessionId ? { session_id: task.sessionId } : {}),
      ...(task.runId ? { run_id: task.runId } : {}),
      ...(task.result !== null ? { result: task.result } : {}),
      ...(task.error !== null ? { error: task.error } : {}),
    });
  }
}
