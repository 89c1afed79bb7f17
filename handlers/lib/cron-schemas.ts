import { z } from "@hono/zod-openapi";
import { MISFIRE_POLICIES, OVERLAP_POLICIES } from "../../storage/cron-jobs.js";
import { CRON_RUN_STATUSES } from "../../storage/cron-runs.js";
import { CRON_TRIGGERS } from "../../storage/cron-state.js";
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

export const CronJobSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    schedule: z.string(),
    timezone: z.string(),
    agent_id: z.string(),
    prompt: z.string(),
    workdir: z.string().optional(),
    workspace_path: z.string().optional(),
    enabled: z.boolean(),
    misfire_policy: z.enum(MISFIRE_POLICIES),
    overlap_policy: z.enum(OVERLAP_POLICIES),
    created_at: z.string(),
    updated_at: z.string(),
    next_runs: z.array(z.string()),
    last_fired_at: z.string().nullable(),
    active_runs: z.number(),
    error: z.string().optional(),
  })
  .openapi("CronJob");

export const CronRunSchema = z
  .object({
    id: z.string(),
    job_id: z.string(),
    scheduled_for: z.string(),
    trigger: z.enum(CRON_TRIGGERS),
    status: z.enum(CRON_RUN_STATUSES),
    started_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    session_id: z.string().nullable(),
    run_id: z.string().nullable(),
    queue_job_id: z.string().nullable(),
    error: z.string().nullable(),
  })
  .openapi("CronRun");

export const CronIdParams = z.object({
  id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "nightly-report" }),
});
