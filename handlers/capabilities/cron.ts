import { z } from "@hono/zod-openapi";
import {
  CronJobFieldsSchema,
  type CronJobProblem,
  MISFIRE_POLICIES,
  OVERLAP_POLICIES,
  StoredCronJobSchema,
} from "../../storage/cron-jobs.js";
import type { CronRunRecord } from "../../storage/cron-runs.js";
import { CronRunRecordSchema } from "../../storage/cron-runs.js";
import { idSchema } from "../../storage/schema-helpers.js";

// Checked by the scheduler (croner), whose messages name the problem better than a zod union would.
const ScheduleField = z.unknown().openapi({
  anyOf: [{ type: "string" }, { type: "object" }],
  description:
    'A cron expression ("*/5 * * * *", or 6 fields with seconds first), "every 5m" / {"every": "5m" | 300}, ' +
    'or a one-shot "at 2026-12-01T09:00:00Z" / {"at": …} (without an offset: wall time in the job\'s timezone)',
  example: "0 9 * * 1-5",
});

const fields = {
  name: z.string().trim().min(1, "must not be empty").max(200),
  schedule: ScheduleField,
  timezone: z
    .string()
    .openapi({ description: "IANA timezone; the gateway's own when absent", example: "Europe/Berlin" }),
  agent_id: idSchema,
  prompt: z.string().min(1, "must not be empty").max(100_000),
  workdir: z.string(),
  workspace_path: z.string().openapi({ description: "Where the agent is looked up (a workspace agent)" }),
  enabled: z.boolean(),
  misfire_policy: z.enum(MISFIRE_POLICIES).openapi({
    description:
      "Times missed while the gateway was down: skip (recorded missed) or run_once (one catch-up run)",
  }),
  overlap_policy: z.enum(OVERLAP_POLICIES).openapi({
    description:
      "When a firing finds the previous run active: skip it, queue it (one waiting), or allow both",
  }),
};

export const CronJobCreateSchema = z
  .object({
    id: idSchema.optional(),
    ...fields,
    // Optional here only so that a missing schedule gets the scheduler's message ("schedule: must be …").
    schedule: fields.schedule.optional(),
    timezone: fields.timezone.optional(),
    workdir: fields.workdir.optional(),
    workspace_path: fields.workspace_path.optional(),
    enabled: fields.enabled.optional(),
    misfire_policy: fields.misfire_policy.optional(),
    overlap_policy: fields.overlap_policy.optional(),
  })
  .strict()
  .openapi("CronJobCreate");

export const CronJobPatchSchema = z
  .object({
    name: fields.name.optional(),
    schedule: fields.schedule.optional(),
    timezone: fields.timezone.optional(),
    agent_id: fields.agent_id.optional(),
    prompt: fields.prompt.optional(),
    workdir: fields.workdir.nullable().optional(),
    workspace_path: fields.workspace_path.nullable().optional(),
    enabled: fields.enabled.optional(),
    misfire_policy: fields.misfire_policy.optional(),
    overlap_policy: fields.overlap_policy.optional(),
  })
  .strict()
  .openapi("CronJobPatch", { description: "Fields to change; null removes workdir or workspace_path" });

/** A cron job as the API shows it: the stored fields plus what the scheduler knows. */
const CronJobViewFields = z.object({
  id: z.string(),
  ...StoredCronJobSchema.shape,
  // Stored defaults are applied when read: always present in an answer.
  enabled: CronJobFieldsSchema.shape.enabled,
  misfire_policy: CronJobFieldsSchema.shape.misfire_policy,
  overlap_policy: CronJobFieldsSchema.shape.overlap_policy,
  /** The next scheduled times (ISO, UTC); empty while paused or when none is left. */
  next_runs: z.array(z.string()),
  last_fired_at: z.string().nullable(),
  /** Firings that have not ended (running in the queue, or waiting for the previous run). */
  active_runs: z.number(),
  /** Why the job cannot be scheduled (a hand edit that does not compile). */
  error: z.string().optional(),
});

export const CronJobSchema = CronJobViewFields.openapi("CronJob");

/** One firing of a job, as stored and answered. */
export const CronRunSchema = z.object(CronRunRecordSchema.shape).openapi("CronRun");

export type CronJobView = z.infer<typeof CronJobViewFields>;
export type CronJobInput = z.infer<typeof CronJobCreateSchema>;
/** Fields to change; `null` removes `workdir` or `workspace_path`. */
export type CronJobUpdate = z.infer<typeof CronJobPatchSchema>;

export const CronPreviewRequestSchema = z
  .object({
    schedule: ScheduleField,
    timezone: fields.timezone.optional(),
    count: z
      .number()
      .int()
      .min(1)
      .max(50)
      .optional()
      .openapi({ description: "How many run times (default 5)" }),
  })
  .openapi("CronPreviewRequest");

export const CronSchedulePreviewSchema = z
  .object({
    schedule: z.string().openapi({ description: "The schedule as the job would store it" }),
    timezone: z.string(),
    next_runs: z.array(z.string()).openapi({ description: "ISO times, soonest first" }),
  })
  .openapi("CronSchedulePreview");

export type CronSchedulePreview = z.infer<typeof CronSchedulePreviewSchema>;

/** Scheduled agent runs (Node: croner computes the times, the run queue runs them). */
export interface CronService {
  list(): Promise<{ jobs: CronJobView[]; problems: CronJobProblem[] }>;
  get(id: string, nextCount?: number): Promise<CronJobView>;
  /** `extra`: fields kept in the job file as they are (an original server's `channel`, `job_type`, …). */
  create(input: CronJobInput, extra?: Record<string, unknown>): Promise<CronJobView>;
  update(id: string, patch: CronJobUpdate): Promise<CronJobView>;
  remove(id: string): Promise<void>;
  /**
   * The next run times a schedule would have, in `timezone` (the gateway's when absent), before any job
   * exists: what a form shows while a person types. Refuses what `create` would refuse.
   */
  preview(schedule: unknown, timezone: string | undefined, count: number): CronSchedulePreview;
  /** Fires the job now (its overlap policy applies). */
  runNow(id: string): Promise<CronRunRecord>;
  pause(id: string): Promise<CronJobView>;
  resume(id: string): Promise<CronJobView>;
  /** Run history, newest first. */
  runs(id: string, limit: number): Promise<CronRunRecord[]>;
  /** Forgets the job's run history (runs still going are recorded afresh when they end). */
  clearRuns?(id: string): Promise<void>;
}
