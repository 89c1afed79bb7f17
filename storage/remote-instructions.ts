import type { Scope } from "./scopes.js";
import { z } from "./zod.js";

/**
 * An instruction a remote controller pushed to an agent (`POST /remote/instructions`): what was asked,
 * by which key, and the queue job that runs it. The job's live status is read from the queue; the last
 * status seen is kept here, so the list still answers once the queue has trimmed a finished job.
 */
export const RemoteInstructionSchema = z
  .object({
    id: z.string().min(1),
    agent: z.string().min(1),
    prompt: z.string(),
    session: z.string().optional(),
    priority: z.number().int(),
    workdir: z.string().optional(),
    /** The API key name that sent it (`local` for a loopback caller without keys configured). */
    controller: z.string(),
    created_at: z.string(),
    job_id: z.string(),
    status: z.string(),
    run_id: z.string().optional(),
    session_id: z.string().optional(),
    ended_at: z.string().optional(),
    error: z.string().optional(),
  })
  .loose();

export type RemoteInstruction = z.infer<typeof RemoteInstructionSchema>;

const BASE = "remote-instructions";
const keyOf = (id: string) => `${BASE}:${id}.yaml`;
/** Instructions kept; older ones are removed as new ones arrive (their runs stay in the run records). */
export const MAX_REMOTE_INSTRUCTIONS = 500;

/** `remote-instructions/<id>.yaml` in the global root; ids sort by time (see newInstructionId). */
export class RemoteInstructionRepository {
  constructor(private readonly scope: Scope) {}

  /** Newest first. */
  async list(limit: number): Promise<RemoteInstruction[]> {
    const names = (await this.ids()).reverse().slice(0, limit);
    const out: RemoteInstruction[] = [];
    for (const id of names) {
      const record = await this.get(id);
      if (record) out.push(record);
    }
    return out;
  }

  async get(id: string): Promise<RemoteInstruction | null> {
    const stored = await this.scope.store.read(keyOf(id));
    const parsed = RemoteInstructionSchema.safeParse(stored?.data);
    return parsed.success ? parsed.data : null;
  }

  async save(record: RemoteInstruction): Promise<void> {
    await this.scope.store.write(keyOf(record.id), { ...record });
  }

  /** Drops the oldest past the limit. */
  async prune(): Promise<void> {
    const ids = await this.ids();
    const excess = ids.length - MAX_REMOTE_INSTRUCTIONS;
    if (excess > 0) await this.scope.store.remove(ids.slice(0, excess).map(keyOf));
  }

  private async ids(): Promise<string[]> {
    return (await this.scope.store.keys(BASE))
      .filter((name) => name.endsWith(".yaml") && !name.includes(":"))
      .map((name) => name.slice(0, -".yaml".length));
  }
}

/** Sortable by creation time: `ri_<ms, base36, fixed width>_<random>`. */
export function newInstructionId(nowMs: number, random: string): string {
  return `ri_${nowMs.toString(36).padStart(10, "0")}_${random}`;
}
