import type { CronJob, CronJobProblem, MisfirePolicy, OverlapPolicy } from "../../storage/cron-jobs.js";
import type { CronRunRecord } from "../../storage/cron-runs.js";

/** A cron job as the API shows it: the stored fields plus what the scheduler knows. */
export interface CronJobView extends CronJob {
  /** The next scheduled times (ISO, UTC); empty while paused or when none is left. */
  next_runs: string[];
  last_fired_at: string | null;
  /** Firings that have not ended (running in the queue, or waiting for the previous run). */
  active_runs: number;
  /** Why the job cannot be scheduled (a hand edit that does not compile). */
  error?: string;
}

export interface CronJobInput {
  id?: string;
  name: string;
  /** A cron expression, "every 5m", "at <ISO time>", or {"cron"}, {"every"}, {"at"}. */
  schedule: unknown;
  /** IANA name; the gateway's timezone when absent. */
  timezone?: string;
  agent_id: string;
  prompt: string;
  workdir?: string;
  workspace_path?: string;
  enabled?: boolean;
  misfire_policy?: MisfirePolicy;
  overlap_policy?: OverlapPolicy;
}

/** Fields to change; `null` removes `workdir` or `workspace_path`. */
export type CronJobUpdate = { [K in keyof Omit<CronJobInput, "id">]?: CronJobInput[K] | null };

/** Scheduled agent runs (Node: croner computes the times, the run queue runs them). */
export interface CronService {
  list(): Promise<{ jobs: CronJobView[]; problems: CronJobProblem[] }>;
  get(id: string, nextCount?: number): Promise<CronJobView>;
  create(input: CronJobInput): Promise<CronJobView>;
  update(id: string, patch: CronJobUpdate): Promise<CronJobView>;
  remove(id: string): Promise<void>;
  /** Fires the job now (its overlap policy applies). */
  runNow(id: string): Promise<CronRunRecord>;
  pause(id: string): Promise<CronJobView>;
  resume(id: string): Promise<CronJobView>;
  /** Run history, newest first. */
  runs(id: string, limit: number): Promise<CronRunRecord[]>;
}
