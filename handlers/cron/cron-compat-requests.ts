import { z } from "@hono/zod-openapi";
import { idSchema } from "../../storage/schema-helpers.js";
import type { CronJobInput, CronJobUpdate } from "../capabilities/cron.js";
import type { Services } from "../context.js";
import { badRequest, validationError } from "../errors.js";
import { validationHook } from "../lib/app-factory.js";

/*
 * The cron bodies of the original servers, accepted beside ours (DESIGN.md: the originals' request forms are
 * aliases). Viben (packages/core/src/gateway/routes/cron.ts): `job_type`, `message`, `cron` or `every`
 * (milliseconds), `agent`, `channel`, `enabled`, `workspace_path`. Ryvos (routes.rs): `name`, `schedule`,
 * `prompt`, `channel`, without an agent. Both run the default agent when none is named.
 */

const JOB_TYPES = ["agent", "message", "script"] as const;

const compatFields = {
  job_type: z.enum(JOB_TYPES).optional().openapi({ description: "Viben: only agent jobs run here" }),
  message: z
    .string()
    .min(1, "must not be empty")
    .max(100_000)
    .optional()
    .openapi({ description: "Viben: the prompt" }),
  cron: z.string().min(1).max(200).optional().openapi({ description: "Viben: a cron expression" }),
  every: z.number().int().min(1000).optional().openapi({ description: "Viben: an interval in milliseconds" }),
  agent: idSchema.optional().openapi({ description: "Viben: the agent id (default: the default agent)" }),
  channel: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: "Where the answer should go; kept with the job" }),
  goal: z.string().max(10_000).optional().openapi({ description: "Ryvos: kept with the job" }),
  script: z.string().max(100_000).optional(),
  notifications: z.record(z.string(), z.unknown()).optional(),
};

export const CompatCronCreateSchema = z
  .object({
    id: idSchema.optional(),
    name: z.string().trim().min(1, "must not be empty").max(200),
    ...compatFields,
    prompt: z.string().min(1, "must not be empty").max(100_000).optional(),
    schedule: z.unknown().optional(),
    timezone: z.string().optional(),
    agent_id: idSchema.optional(),
    workdir: z.string().optional(),
    workspace_path: z.string().optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .openapi("CronJobCreateCompat", { description: "The Viben and Ryvos forms of a new cron job" });

export const CompatCronPatchSchema = z
  .object({
    name: z.string().trim().min(1, "must not be empty").max(200).optional(),
    ...compatFields,
    enabled: z.boolean().optional(),
    workspace_path: z.string().nullable().optional(),
  })
  .strict()
  .openapi("CronJobPatchCompat", { description: "The Viben form of a cron job change" });

type CompatCreate = z.infer<typeof CompatCronCreateSchema>;
type CompatPatch = z.infer<typeof CompatCronPatchSchema>;

/** Viben's fields the gateway keeps in the job file as they are (shown back in answers). */
const KEPT = ["channel", "goal", "notifications"] as const;

function onlyAgentJobs(jobType: string | undefined): void {
  if (jobType !== undefined && jobType !== "agent") {
    throw badRequest(
      "UNSUPPORTED_JOB_TYPE",
      `job_type: '${jobType}' jobs are not supported; the gateway's cron runs agents (job_type 'agent')`,
      { field: "job_type" },
    );
  }
}

/** Viben's `cron` or `every` (ms) as our schedule. */
function scheduleOf(body: { cron?: string; every?: number; schedule?: unknown }): unknown {
  if (body.cron !== undefined) return body.cron;
  if (body.every !== undefined) {
    if (body.every % 1000 !== 0)
      throw badRequest("VALIDATION_ERROR", "every: must be whole seconds (a multiple of 1000 ms)", {
        field: "every",
      });
    return { every: body.every / 1000 };
  }
  return body.schedule;
}

function kept(body: CompatCreate | CompatPatch): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const field of KEPT) if (body[field] !== undefined) extra[field] = body[field];
  if (body.job_type !== undefined) extra.job_type = body.job_type;
  return extra;
}

/** Whether a create body is in the original servers' form (it names no agent_id, or uses their fields). */
export function isCompatCreate(body: Record<string, unknown>): boolean {
  return !("agent_id" in body) || Object.keys(compatFields).some((k) => k in body);
}

/** A Viben or Ryvos create body as our input, plus the fields kept as they are. */
export async function fromCompatCreate(
  services: Services,
  body: CompatCreate,
): Promise<{ input: CronJobInput; extra: Record<string, unknown> }> {
  onlyAgentJobs(body.job_type);
  const prompt = body.message ?? body.prompt;
  if (prompt === undefined)
    throw badRequest("VALIDATION_ERROR", "message: required (the prompt the agent runs)", {
      field: "message",
    });
  let agentId = body.agent ?? body.agent_id;
  agentId ??= (await services.settings.defaultAgent(services.scopes.global())) ?? undefined;
  if (!agentId)
    throw badRequest("NO_AGENT", "agent: no agent given and no default agent set (PUT /api/agent/default)", {
      field: "agent",
    });
  const input: CronJobInput = {
    name: body.name,
    schedule: scheduleOf(body),
    agent_id: agentId,
    prompt,
    ...(body.id === undefined ? {} : { id: body.id }),
    ...(body.timezone === undefined ? {} : { timezone: body.timezone }),
    ...(body.workdir === undefined ? {} : { workdir: body.workdir }),
    ...(body.workspace_path === undefined ? {} : { workspace_path: body.workspace_path }),
    ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
  };
  return { input, extra: kept(body) };
}

/** A Viben patch as ours (the kept fields are written as they are). */
export function fromCompatPatch(body: CompatPatch): CronJobUpdate & Record<string, unknown> {
  onlyAgentJobs(body.job_type);
  const schedule = scheduleOf(body);
  return {
    ...kept(body),
    ...(body.name === undefined ? {} : { name: body.name }),
    ...(body.message === undefined ? {} : { prompt: body.message }),
    ...(schedule === undefined ? {} : { schedule }),
    ...(body.agent === undefined ? {} : { agent_id: body.agent }),
    ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
    ...(body.workspace_path === undefined ? {} : { workspace_path: body.workspace_path }),
  };
}

/** Whether a patch uses a field only the Viben form has. */
export function isCompatPatch(body: Record<string, unknown>): boolean {
  return Object.keys(compatFields).some((k) => k in body);
}

type HookResult = Parameters<typeof validationHook>[0];

/**
 * The validation hook of a route whose body is one of two forms (a union): a body that fits neither is
 * reported against the form it comes closest to (fewest problems; ours on a tie), so the message names
 * the field at fault rather than "invalid input".
 */
export function twoFormBodyHook(result: HookResult): undefined {
  if (!result.success && result.target === "json") {
    const union = result.error.issues.find((i) => i.code === "invalid_union");
    const branches = union && "errors" in union ? (union.errors as z.core.$ZodIssue[][]) : [];
    const closest = branches.reduce<z.core.$ZodIssue[] | undefined>(
      (best, issues) => (best === undefined || issues.length < best.length ? issues : best),
      undefined,
    );
    if (closest && closest.length > 0) {
      const path = union?.path ?? [];
      throw validationError(
        new z.ZodError(closest.map((i) => ({ ...i, path: [...path, ...i.path] }))),
        "json",
      );
    }
  }
  validationHook(result);
  return undefined;
}
