import { conflict, notFound, StorageError } from "./errors.js";
import { assertValidId, idFromName } from "./ids.js";
import { describeIssues, idSchema, isoTimestamp } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import { applyPatch, parseYamlDocument, yamlToObject } from "./yaml.js";
import { z } from "./zod.js";

export const MISFIRE_POLICIES = ["skip", "run_once"] as const;
export const OVERLAP_POLICIES = ["skip", "queue", "allow"] as const;
export type MisfirePolicy = (typeof MISFIRE_POLICIES)[number];
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

const absolutePath = z.string().startsWith("/", "must be an absolute path");

/** The editable fields of a cron job (schedule and timezone already in canonical form, see cron-schedule.ts). */
export const CronJobFieldsSchema = z.object({
  name: z.string().trim().min(1, "must not be empty").max(200),
  schedule: z.string().min(1).max(200),
  timezone: z.string().min(1).max(100),
  agent_id: idSchema,
  prompt: z.string().min(1, "must not be empty").max(100_000),
  workdir: absolutePath,
  /** Where the agent is looked up (a workspace agent); the home directory when absent. */
  workspace_path: absolutePath,
  enabled: z.boolean(),
  misfire_policy: z.enum(MISFIRE_POLICIES),
  overlap_policy: z.enum(OVERLAP_POLICIES),
});

export type CronJobFields = z.infer<typeof CronJobFieldsSchema>;

/** `cron/jobs/<id>.yaml`: known fields validated, anything written by hand kept. */
export const StoredCronJobSchema = CronJobFieldsSchema.partial({ workdir: true, workspace_path: true })
  .extend({
    enabled: z.boolean().default(true),
    misfire_policy: z.enum(MISFIRE_POLICIES).default("skip"),
    overlap_policy: z.enum(OVERLAP_POLICIES).default("skip"),
    created_at: isoTimestamp,
    updated_at: isoTimestamp,
  })
  .loose();

export type CronJob = z.infer<typeof StoredCronJobSchema> & { id: string };

export type NewCronJob = Omit<CronJobFields, "workdir" | "workspace_path"> & {
  id?: string;
  workdir?: string;
  workspace_path?: string;
};

/** A patch: `null` removes an optional field; absent fields stay. */
export type CronJobPatch = Partial<Record<keyof CronJobFields, unknown>>;

export interface CronJobProblem {
  id: string;
  path: string;
  error: string;
}

export const CRON_JOBS_BASE = "cron:jobs";
const LIST_CONCURRENCY = 32;
const jobKey = (id: string) => `${CRON_JOBS_BASE}:${id}.yaml`;

export const cronJobNotFound = (id: string) =>
  notFound("CRON_JOB_NOT_FOUND", `cron job '${id}' not found`, { job_id: id });

/** Cron job definitions in the global scope, one human-editable YAML file each. */
export class CronJobRepository {
  constructor(
    private readonly scope: Scope,
    private readonly now: () => Date = () => new Date(),
  ) {}

  pathOf(id: string): string {
    return this.scope.store.pathOf(jobKey(id));
  }

  /** Every job; files that do not parse are reported as problems instead of failing the listing. */
  async list(): Promise<{ jobs: CronJob[]; problems: CronJobProblem[] }> {
    const ids = (await this.scope.store.keys(CRON_JOBS_BASE))
      .map((k) => /^([^:]+)\.yaml$/.exec(k)?.[1])
      .filter((id): id is string => id !== undefined);
    // Reads overlap (10,000 jobs load at start); the result keeps the order of the ids.
    const results = new Array<{ job: CronJob | null } | { problem: CronJobProblem }>(ids.length);
    let next = 0;
    const reader = async () => {
      for (let i = next++; i < ids.length; i = next++) {
        const id = ids[i]!;
        results[i] = await this.find(id).then(
          (job) => ({ job }),
          (error: Error) => ({ problem: { id, path: this.pathOf(id), error: error.message } }),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(LIST_CONCURRENCY, ids.length) }, reader));
    const jobs: CronJob[] = [];
    const problems: CronJobProblem[] = [];
    for (const r of results) {
      if ("job" in r) {
        if (r.job) jobs.push(r.job);
      } else problems.push(r.problem);
    }
    return { jobs, problems };
  }

  async find(id: string): Promise<CronJob | null> {
    assertValidId(id, "id");
    // Uncached: the scheduler reads a job only when it fires or the API asks, and must not keep 10,000.
    const text = await this.scope.store.readRaw(jobKey(id));
    return text === null ? null : this.parse(id, yamlToObject(parseYamlDocument(text, jobKey(id))));
  }

  async get(id: string): Promise<CronJob> {
    const job = await this.find(id);
    if (!job) throw cronJobNotFound(id);
    return job;
  }

  /** Stores a new job; without an id one is derived from the name (`-2`, `-3` on a clash). */
  async create(input: NewCronJob): Promise<CronJob> {
    const now = this.now().toISOString();
    const { id: explicit, ...fields } = input;
    const record = { ...fields, created_at: now, updated_at: now };
    if (explicit !== undefined) {
      assertValidId(explicit, "id");
      const stored = await this.scope.store.createIfAbsent(jobKey(explicit), record);
      if (!stored)
        throw conflict("CRON_JOB_EXISTS", `cron job '${explicit}' already exists`, { job_id: explicit });
      return this.parse(explicit, stored.data);
    }
    const base = idFromName(fields.name) || "job";
    for (let n = 1; ; n++) {
      const id = n === 1 ? base : `${base}-${n}`;
      const stored = await this.scope.store.createIfAbsent(jobKey(id), record);
      if (stored) return this.parse(id, stored.data);
    }
  }

  /** Applies a patch to the YAML document (comments and hand-written keys survive). */
  async update(id: string, patch: CronJobPatch): Promise<CronJob> {
    assertValidId(id, "id");
    let result: CronJob | undefined;
    await this.scope.store.update(jobKey(id), (doc) => {
      if (!doc) throw cronJobNotFound(id);
      applyPatch(doc, { ...patch, updated_at: this.now().toISOString() });
      result = this.parse(id, yamlToObject(doc));
      return doc;
    });
    return result!;
  }

  async remove(id: string): Promise<void> {
    await this.get(id);
    await this.scope.store.remove([jobKey(id)]);
  }

  private parse(id: string, data: Record<string, unknown>): CronJob {
    const parsed = StoredCronJobSchema.safeParse(data);
    if (!parsed.success) {
      throw new StorageError(
        "corrupt",
        "INVALID_CRON_JOB",
        `${this.pathOf(id)}: ${describeIssues(parsed.error).message}`,
        { job_id: id },
      );
    }
    return { ...parsed.data, id };
  }
}
