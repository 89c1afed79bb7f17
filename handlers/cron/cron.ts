import { z } from "@hono/zod-openapi";
import { findRunnableAgent, resolveWorkdir } from "../../storage/rules/run-requests.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import {
  CronJobCreateSchema,
  type CronJobInput,
  CronJobPatchSchema,
  type CronJobUpdate,
  CronPreviewRequestSchema,
  CronRunSchema,
  CronSchedulePreviewSchema,
  type CronService,
} from "../capabilities/cron.js";
import type { Services } from "../context.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import {
  CompatCronCreateSchema,
  CompatCronPatchSchema,
  fromCompatCreate,
  fromCompatPatch,
  isCompatCreate,
  isCompatPatch,
  twoFormBodyHook,
} from "./cron-compat-requests.js";
import { CronJobCompatSchema, cronJobAnswer, cronListEntry } from "./cron-compat-views.js";

const CronIdParams = z.object({
  id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "nightly-report" }),
});

/**
 * The agent must exist and the workdir be one it may use, checked when the job is written so a typo is a
 * 4xx now rather than a failed run at 3 a.m. (each run checks again when it starts).
 */
async function checkTarget(
  services: Services,
  target: { agent_id: string; workdir?: string; workspace_path?: string },
  workdirRoots: string[] | undefined,
): Promise<{ workdir?: string; workspace_path?: string }> {
  const workspacePath = await resolveWorkspacePath(services, target.workspace_path);
  const agent = await findRunnableAgent(services, target.agent_id, workspacePath);
  const workdir =
    target.workdir === undefined
      ? undefined
      : await resolveWorkdir(services, agent, target.workdir, workdirRoots);
  return {
    ...(workdir ? { workdir } : {}),
    ...(target.workspace_path === undefined ? {} : { workspace_path: workspacePath }),
  };
}

const CountQuery = z.object({
  count: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: "How many next run times to show (default 5)" }),
});
const LimitQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .openapi({ description: "Runs to return (default 50)" }),
});
const TAGS = ["Cron"];

const LogsQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .openapi({ type: "integer", description: "Default 100" }),
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .max(10_000)
    .optional()
    .openapi({ type: "integer", description: "Default 0" }),
});

/** Pause and resume, and their Viben names disable and enable: the same change, the same answer. */
const toggleRoute = (action: string, operationId: string, summary: string) =>
  defineRoute("operator", {
    method: "post",
    path: `/{id}/${action}`,
    operationId,
    tags: TAGS,
    summary,
    request: { params: CronIdParams },
    responses: { 200: jsonContent(CronJobCompatSchema, "The job"), ...errorResponses(400, 404, 501) },
  });

async function setEnabled(services: Services, id: string, enabled: boolean) {
  const cron = requireCapability(services, "cron");
  return cronJobAnswer(await (enabled ? cron.resume(id) : cron.pause(id)));
}

/**
 * A job named by id, or by name as Ryvos's UI deletes it (`DELETE /api/cron/{name}`): an id wins; a name
 * must match exactly one job.
 */
async function resolveJobRef(cron: CronService, ref: string): Promise<string> {
  const { jobs } = await cron.list();
  if (jobs.some((j) => j.id === ref)) return ref;
  const named = jobs.filter((j) => j.name === ref);
  if (named.length === 1) return named[0]!.id;
  if (named.length > 1) {
    throw new ApiError(
      409,
      "CRON_JOB_AMBIGUOUS",
      `${named.length} cron jobs are named '${ref}': delete by id`,
      {
        ids: named.map((j) => j.id),
      },
    );
  }
  throw new ApiError(404, "CRON_JOB_NOT_FOUND", `cron job '${ref}' not found`, { job_id: ref });
}

/** /api/cron: scheduled agent runs (operators manage them, viewers read them). */
export const cronRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "post",
      path: "/preview",
      operationId: "previewCronSchedule",
      tags: TAGS,
      summary: "The next run times a schedule would have in a timezone (nothing is created)",
      request: { body: jsonBody(CronPreviewRequestSchema) },
      responses: {
        200: jsonContent(CronSchedulePreviewSchema, "The schedule as stored and its next run times"),
        ...errorResponses(400, 501),
      },
    }),
    (c) => {
      const body = c.req.valid("json");
      const cron = requireCapability(c.get("services"), "cron");
      return c.json(cron.preview(body.schedule, body.timezone, body.count ?? 5), 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listCronJobs",
      tags: TAGS,
      summary: "List cron jobs with their next run time",
      responses: {
        200: jsonContent(
          z.object({
            jobs: z.array(CronJobCompatSchema.omit({ job: true })),
            total: z.number(),
            problems: z.array(z.object({ id: z.string(), path: z.string(), error: z.string() })),
          }),
          "Jobs, oldest first; job files that do not parse are listed under problems",
        ),
        ...errorResponses(501),
      },
    }),
    async (c) => {
      const { jobs, problems } = await requireCapability(c.get("services"), "cron").list();
      return c.json({ jobs: jobs.map(cronListEntry), total: jobs.length, problems }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/",
      operationId: "createCronJob",
      tags: TAGS,
      summary:
        "Create a cron job (ours, or Viben's form: job_type, message, cron/every, agent, channel, enabled)",
      request: { body: jsonBody(z.union([CronJobCreateSchema, CompatCronCreateSchema])) },
      responses: {
        201: jsonContent(CronJobCompatSchema, "The job (Viben's wrapper in `job`)"),
        ...errorResponses(400, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const cron = requireCapability(services, "cron");
      const body = c.req.valid("json");
      const { input: asked, extra } =
        "agent_id" in body && !isCompatCreate(body)
          ? { input: body as CronJobInput, extra: {} }
          : await fromCompatCreate(services, CompatCronCreateSchema.parse(body));
      const target = await checkTarget(services, asked, c.get("gatewayConfig").workdirRoots);
      const input: CronJobInput = { ...asked, schedule: asked.schedule, ...target };
      return c.json(cronJobAnswer(await cron.create(input, extra)), 201);
    },
    (result) => twoFormBodyHook(result),
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}",
      operationId: "getCronJob",
      tags: TAGS,
      summary: "A cron job with its next run times",
      request: { params: CronIdParams, query: CountQuery },
      responses: { 200: jsonContent(CronJobCompatSchema, "The job"), ...errorResponses(400, 404, 501) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const cron = requireCapability(c.get("services"), "cron");
      return c.json(cronJobAnswer(await cron.get(id, c.req.valid("query").count ?? 5)), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "patch",
      path: "/{id}",
      operationId: "updateCronJob",
      tags: TAGS,
      summary:
        "Change a cron job (a new schedule or timezone counts from now: earlier times are not misfires)",
      request: {
        params: CronIdParams,
        body: jsonBody(z.union([CronJobPatchSchema, CompatCronPatchSchema])),
      },
      responses: { 200: jsonContent(CronJobCompatSchema, "The job"), ...errorResponses(400, 404, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const cron = requireCapability(services, "cron");
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const patch: CronJobUpdate = isCompatPatch(body)
        ? fromCompatPatch(CompatCronPatchSchema.parse(body))
        : (body as CronJobUpdate);
      const current = await cron.get(id, 1);
      if (patch.agent_id !== undefined || patch.workdir !== undefined || patch.workspace_path !== undefined) {
        const pick = <T>(next: T | null | undefined, now: T | undefined) =>
          next === null ? undefined : (next ?? now);
        const target = await checkTarget(
          services,
          {
            agent_id: patch.agent_id ?? current.agent_id,
            workdir: pick(patch.workdir, current.workdir),
            workspace_path: pick(patch.workspace_path, current.workspace_path),
          },
          c.get("gatewayConfig").workdirRoots,
        );
        if (typeof patch.workdir === "string") patch.workdir = target.workdir;
        if (typeof patch.workspace_path === "string") patch.workspace_path = target.workspace_path;
      }
      return c.json(cronJobAnswer(await cron.update(id, patch)), 200);
    },
    (result) => twoFormBodyHook(result),
  )
  .openapi(
    defineRoute("operator", {
      method: "delete",
      path: "/{id}",
      operationId: "deleteCronJob",
      tags: TAGS,
      summary:
        "Delete a cron job (by id, or by name as Ryvos does) and its history (queued runs go on; cancel them in /api/queue)",
      request: {
        params: z.object({
          id: z
            .string()
            .min(1)
            .max(200)
            .openapi({ param: { name: "id", in: "path" }, description: "The job's id, or its name" }),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({
            success: z.boolean(),
            id: z.string(),
            deleted: z.string().optional().openapi({ description: "Deleted by name: the job's id (Viben)" }),
            ok: z.boolean().optional().openapi({ description: "Deleted by name: true (Ryvos)" }),
          }),
          "Deleted",
        ),
        ...errorResponses(400, 404, 409, 501),
      },
    }),
    async (c) => {
      const cron = requireCapability(c.get("services"), "cron");
      const ref = c.req.valid("param").id;
      const id = await resolveJobRef(cron, ref);
      await cron.remove(id);
      // By id: today's answer, unchanged. By name (Ryvos's form): also Ryvos's `ok` and Viben's `deleted`.
      return c.json(id === ref ? { success: true, id } : { success: true, id, deleted: id, ok: true }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/run",
      operationId: "runCronJob",
      tags: TAGS,
      summary: "Run the job now (its overlap policy applies: 409 CRON_JOB_BUSY when it would be skipped)",
      request: { params: CronIdParams },
      responses: {
        202: jsonContent(
          CronRunSchema.extend({ success: z.boolean(), triggered: z.string() }),
          "The run record (with Viben's success and triggered)",
        ),
        ...errorResponses(400, 404, 409, 501),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const run = await requireCapability(c.get("services"), "cron").runNow(id);
      return c.json({ ...run, success: true, triggered: id }, 202);
    },
  )
  .openapi(toggleRoute("pause", "pauseCronJob", "Stop firing the job (a run in progress goes on)"), (c) =>
    setEnabled(c.get("services"), c.req.valid("param").id, false).then((job) => c.json(job, 200)),
  )
  .openapi(
    toggleRoute(
      "resume",
      "resumeCronJob",
      "Fire the job again from now on (times while paused are not misfires)",
    ),
    (c) => setEnabled(c.get("services"), c.req.valid("param").id, true).then((job) => c.json(job, 200)),
  )
  .openapi(toggleRoute("disable", "disableCronJob", "Stop firing the job (Viben's name for pause)"), (c) =>
    setEnabled(c.get("services"), c.req.valid("param").id, false).then((job) => c.json(job, 200)),
  )
  .openapi(
    toggleRoute("enable", "enableCronJob", "Fire the job again from now on (Viben's name for resume)"),
    (c) => setEnabled(c.get("services"), c.req.valid("param").id, true).then((job) => c.json(job, 200)),
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/runs",
      operationId: "listCronJobRuns",
      tags: TAGS,
      summary: "Run history, newest first",
      request: { params: CronIdParams, query: LimitQuery },
      responses: {
        200: jsonContent(z.object({ runs: z.array(CronRunSchema) }), "Runs"),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const runs = await requireCapability(c.get("services"), "cron").runs(
        id,
        c.req.valid("query").limit ?? 50,
      );
      return c.json({ runs }, 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/logs",
      operationId: "listCronJobLogs",
      tags: TAGS,
      summary: "Run history, newest first, paged with limit and offset (Viben's logs)",
      request: { params: CronIdParams, query: LogsQuery },
      responses: {
        200: jsonContent(z.object({ logs: z.array(CronRunSchema) }), "Runs"),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { limit = 100, offset = 0 } = c.req.valid("query");
      const runs = await requireCapability(c.get("services"), "cron").runs(id, limit + offset);
      return c.json({ logs: runs.slice(offset, offset + limit) }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "delete",
      path: "/{id}/logs",
      operationId: "clearCronJobLogs",
      tags: TAGS,
      summary: "Forget the job's run history (Viben); runs still going are recorded when they end",
      request: { params: CronIdParams },
      responses: {
        200: jsonContent(z.object({ success: z.boolean(), cleared: z.string() }), "Cleared"),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const cron = requireCapability(c.get("services"), "cron");
      const { id } = c.req.valid("param");
      if (!cron.clearRuns)
        throw new ApiError(501, "NOT_SUPPORTED_IN_RUNTIME", "this runtime cannot clear cron run history");
      await cron.clearRuns(id);
      return c.json({ success: true, cleared: id }, 200);
    },
  );
