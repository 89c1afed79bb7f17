import { z } from "@hono/zod-openapi";
import { parseDuration } from "../../storage/cron-durations.js";
import { CronJobSchema, type CronJobView } from "../capabilities/cron.js";

/** A job as the Viben server shows it (snake_case, times in epoch milliseconds). */
export const VibenCronJobSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    job_type: z.string(),
    message: z.string(),
    cron: z.string().optional(),
    every: z.number().optional().openapi({ description: "Interval in milliseconds" }),
    channel: z.string().optional(),
    agent: z.string(),
    workspace_path: z.string().optional(),
    last_run: z.number().optional(),
    next_run: z.number().optional(),
    created_at: z.number(),
    updated_at: z.number(),
  })
  .openapi("VibenCronJob");

/** Our job with Viben's fields beside (no name is shared, so none changes) and Viben's `{job}` wrapper. */
export const CronJobCompatSchema = CronJobSchema.extend({
  job_type: z.string(),
  message: z.string(),
  cron: z.string().optional(),
  every: z.number().optional(),
  agent: z.string(),
  next_run: z.number().optional(),
  last_run: z.number().optional(),
  job: VibenCronJobSchema.openapi({ description: "The job as Viben's server wraps it" }),
}).openapi("CronJob");

/** The schedule in Viben's terms: `cron` for an expression, `every` (ms) for an interval, neither for "at". */
function vibenSchedule(schedule: string): { cron?: string; every?: number } {
  if (schedule.startsWith("every ")) return { every: parseDuration(schedule.slice(6), "schedule") * 1000 };
  if (schedule.startsWith("at ")) return {};
  return { cron: schedule };
}

const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : undefined);

export function vibenJob(view: CronJobView): z.infer<typeof VibenCronJobSchema> {
  const channel = (view as Record<string, unknown>).channel;
  const jobType = (view as Record<string, unknown>).job_type;
  const lastRun = ms(view.last_fired_at);
  const nextRun = ms(view.next_runs[0]);
  return {
    id: view.id,
    name: view.name,
    enabled: view.enabled,
    job_type: typeof jobType === "string" ? jobType : "agent",
    message: view.prompt,
    ...vibenSchedule(view.schedule),
    ...(typeof channel === "string" ? { channel } : {}),
    agent: view.agent_id,
    ...(view.workspace_path ? { workspace_path: view.workspace_path } : {}),
    ...(lastRun === undefined ? {} : { last_run: lastRun }),
    ...(nextRun === undefined ? {} : { next_run: nextRun }),
    created_at: Date.parse(view.created_at),
    updated_at: Date.parse(view.updated_at),
  };
}

/** A job answer: ours at the top level, Viben's names beside, and `{job}` as Viben's older server wraps it. */
export function cronJobAnswer(view: CronJobView) {
  const job = vibenJob(view);
  const {
    id: _id,
    name: _name,
    enabled: _enabled,
    workspace_path: _ws,
    created_at: _c,
    updated_at: _u,
    ...adds
  } = job;
  return { ...view, ...adds, job };
}

/** A list entry: ours with Viben's names beside (no wrapper inside a list, as in Viben's `{jobs}`). */
export function cronListEntry(view: CronJobView) {
  const { job: _job, ...entry } = cronJobAnswer(view);
  return entry;
}
