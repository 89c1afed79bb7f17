import { StorageError } from "./errors.js";
import { describeIssues, isoTimestamp } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import { newYamlDocument, parseYamlDocument, yamlToObject } from "./yaml.js";
import { z } from "./zod.js";

export const CRON_TRIGGERS = ["schedule", "catch_up", "manual"] as const;
export type CronTrigger = (typeof CRON_TRIGGERS)[number];

/** A firing that has not ended: handed to the run queue (`running`) or waiting for the previous run (`queued`). */
export const CronActiveRunSchema = z.looseObject({
  record_id: z.string().min(1),
  status: z.enum(["running", "queued"]),
  scheduled_for: isoTimestamp,
  trigger: z.enum(CRON_TRIGGERS),
  started_at: isoTimestamp.optional(),
  queue_job_id: z.string().min(1).optional(),
});

export type CronActiveRun = z.infer<typeof CronActiveRunSchema>;

/**
 * `cron/state/<id>.yaml`, the scheduler's durable memory of a job, written (atomically, fsync'd) before a
 * run is handed to the queue: `handled_until` is the watermark below which every scheduled time has been
 * fired, skipped or recorded missed (so nothing is replayed after a restart, even if the clock steps
 * back), and `active` lists firings that have not ended (what a crash leaves behind).
 */
export const CronStateSchema = z.looseObject({
  handled_until: isoTimestamp.optional(),
  last_fired_at: isoTimestamp.optional(),
  active: z.array(CronActiveRunSchema).default([]),
});

export type CronState = z.infer<typeof CronStateSchema>;

export const CRON_STATE_BASE = "cron:state";
const stateKey = (id: string) => `${CRON_STATE_BASE}:${id}.yaml`;

export class CronStateRepository {
  constructor(private readonly scope: Scope) {}

  async get(id: string): Promise<CronState> {
    // Uncached, like the jobs: read when a job fires or the API asks, not held for every job.
    const text = await this.scope.store.readRaw(stateKey(id));
    return this.parse(id, text === null ? {} : yamlToObject(parseYamlDocument(text, stateKey(id))));
  }

  /** Read-modify-write, serialised per job by the document store. */
  async update(id: string, mutate: (state: CronState) => CronState): Promise<CronState> {
    let next: CronState | undefined;
    await this.scope.store.update(stateKey(id), (doc) => {
      next = mutate(this.parse(id, doc ? yamlToObject(doc) : {}));
      return newYamlDocument(next as Record<string, unknown>);
    });
    return next!;
  }

  async remove(id: string): Promise<void> {
    await this.scope.store.remove([stateKey(id)]);
  }

  private parse(id: string, data: Record<string, unknown>): CronState {
    const parsed = CronStateSchema.safeParse(data);
    if (!parsed.success) {
      throw new StorageError(
        "corrupt",
        "INVALID_CRON_STATE",
        `${this.scope.store.pathOf(stateKey(id))}: ${describeIssues(parsed.error).message}`,
        { job_id: id },
      );
    }
    return parsed.data;
  }
}
