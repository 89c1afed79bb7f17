import { z } from "@hono/zod-openapi";
import { findRunnableAgent, resolveWorkdir } from "../../storage/rules/run-requests.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import {
  CronJobCreateSchema,
  type CronJobInput,
  CronJobPatchSchema,
  CronJobSchema,
  CronRunSchema,
} from "../capabilities/cron.js";
import type { Services } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";

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

/** /api/cron: scheduled agent runs (operators manage them, viewers read them). */
export const cronRouter = createRouter()
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
            jobs: z.array(CronJobSchema),
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
      return c.json({ jobs, total: jobs.length, problems }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/",
      operationId: "createCronJob",
      tags: TAGS,
      summary: "Create a cron job",
      request: { body: jsonBody(CronJobCreateSchema) },
      responses: { 201: jsonContent(CronJobSchema, "The job"), ...errorResponses(400, 404, 409, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const cron = requireCapability(services, "cron");
      const body = c.req.valid("json");
      const target = await checkTarget(services, body, c.get("gatewayConfig").workdirRoots);
      const input: CronJobInput = { ...body, schedule: body.schedule, ...target };
      return c.json(await cron.create(input), 201);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}",
      operationId: "getCronJob",
      tags: TAGS,
      summary: "A cron job with its next run times",
      request: { params: CronIdParams, query: CountQuery },
      responses: { 200: jsonContent(CronJobSchema, "The job"), ...errorResponses(400, 404, 501) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(
        await requireCapability(c.get("services"), "cron").get(id, c.req.valid("query").count ?? 5),
        200,
      );
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
      request: { params: CronIdParams, body: jsonBody(CronJobPatchSchema) },
      responses: { 200: jsonContent(CronJobSchema, "The job"), ...errorResponses(400, 404, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const cron = requireCapability(services, "cron");
      const { id } = c.req.valid("param");
      const patch = c.req.valid("json");
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
      return c.json(await cron.update(id, patch), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "delete",
      path: "/{id}",
      operationId: "deleteCronJob",
      tags: TAGS,
      summary: "Delete a cron job and its history (runs already queued go on; cancel them in /api/queue)",
      request: { params: CronIdParams },
      responses: {
        200: jsonContent(z.object({ success: z.boolean(), id: z.string() }), "Deleted"),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireCapability(c.get("services"), "cron").remove(id);
      return c.json({ success: true, id }, 200);
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
      responses: { 202: jsonContent(CronRunSchema, "The run record"), ...errorResponses(400, 404, 409, 501) },
    }),
    async (c) =>
      c.json(await requireCapability(c.get("services"), "cron").runNow(c.req.valid("param").id), 202),
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/pause",
      operationId: "pauseCronJob",
      tags: TAGS,
      summary: "Stop firing the job (a run in progress goes on)",
      request: { params: CronIdParams },
      responses: { 200: jsonContent(CronJobSchema, "The job"), ...errorResponses(400, 404, 501) },
    }),
    async (c) =>
      c.json(await requireCapability(c.get("services"), "cron").pause(c.req.valid("param").id), 200),
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/resume",
      operationId: "resumeCronJob",
      tags: TAGS,
      summary: "Fire the job again from now on (times while paused are not misfires)",
      request: { params: CronIdParams },
      responses: { 200: jsonContent(CronJobSchema, "The job"), ...errorResponses(400, 404, 501) },
    }),
    async (c) =>
      c.json(await requireCapability(c.get("services"), "cron").resume(c.req.valid("param").id), 200),
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
  );
