import type { CronJobView, CronService } from "../../handlers/capabilities/cron.js";
import type { AppendLog } from "../../storage/append-log.js";
import { type CronJob, CronJobRepository } from "../../storage/cron-jobs.js";
import { CronRunLog, type CronRunRecord } from "../../storage/cron-runs.js";
import { type CronState, CronStateRepository } from "../../storage/cron-state.js";
import { notSupported } from "../../storage/errors.js";
import type { Scope } from "../../storage/scopes.js";
import { watermarkOf } from "../cron/job-runner.js";
import { compileSchedule, nextTimes } from "../cron/schedule.js";

const notHere = (): never => {
  throw notSupported(
    "cron jobs are scheduled and changed by the local gateway; the edge lists the published ones",
  );
};

/**
 * Cron at the edge, read-only: the published job files, their published scheduler state and run history,
 * with next run times computed from the schedule (croner, no timer). There is no scheduler here, so
 * creating, changing, pausing and running jobs answer 501.
 */
export class PublishedCron implements CronService {
  private readonly jobs: CronJobRepository;
  private readonly states: CronStateRepository;
  private readonly runLog: CronRunLog;

  constructor(
    scope: Scope,
    log: AppendLog,
    private readonly now: () => Date,
  ) {
    this.jobs = new CronJobRepository(scope, now);
    this.states = new CronStateRepository(scope);
    this.runLog = new CronRunLog(log);
  }

  async list() {
    const { jobs, problems } = await this.jobs.list();
    const views = await Promise.all(jobs.map((job) => this.view(job, 1)));
    views.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
    return { jobs: views, problems };
  }

  async get(id: string, nextCount = 5): Promise<CronJobView> {
    return this.view(await this.jobs.get(id), nextCount);
  }

  async runs(id: string, limit: number): Promise<CronRunRecord[]> {
    await this.jobs.get(id);
    return this.runLog.recent(id, limit);
  }

  preview = notHere;
  create = notHere;
  update = notHere;
  remove = notHere;
  runNow = notHere;
  pause = notHere;
  resume = notHere;

  /** The scheduler's view of a job (see CronScheduler.view), from stored state alone. */
  private async view(job: CronJob, nextCount: number): Promise<CronJobView> {
    const state: CronState = await this.states.get(job.id).catch(() => ({ active: [] }));
    let error: string | undefined;
    let next: Date[] = [];
    try {
      const schedule = compileSchedule(job.schedule, job.timezone, new Date(job.created_at));
      const watermark = watermarkOf({ job, state });
      const from = watermark > this.now() ? watermark : this.now();
      if (job.enabled) next = nextTimes(schedule, nextCount, from);
    } catch (problem) {
      error = (problem as Error).message;
    }
    return {
      ...job,
      next_runs: next.map((d) => d.toISOString()),
      last_fired_at: state.last_fired_at ?? null,
      active_runs: state.active.length,
      ...(error ? { error } : {}),
    };
  }
}
