import type { Scope } from "./scopes.js";
import { z } from "./zod.js";

export const COMMITMENT_KINDS = ["explicit", "inferred"] as const;
export const COMMITMENT_STATUSES = ["open", "fulfilled", "expired", "cancelled"] as const;

/**
 * A commitment as OpenVesper keeps it (openvesper/openvesper apps/gateway/src/commitments.ts): camelCase,
 * times in epoch ms. The fields after `linkedTaskId` are ours: when its due time passed, the wake-up run
 * queued for its agent.
 */
export const CommitmentFields = z.object({
  id: z.string().min(1),
  kind: z.enum(COMMITMENT_KINDS),
  sessionKey: z.string().min(1),
  agent: z.string().min(1),
  promise: z.string().min(1),
  originalContext: z.string().optional(),
  dueAt: z.number().optional(),
  status: z.enum(COMMITMENT_STATUSES),
  createdAt: z.number(),
  fulfilledAt: z.number().optional(),
  linkedTaskId: z.string().optional(),
  /** When the overdue commitment woke its agent (written before the wake-up is queued: it fires once). */
  firedAt: z.number().optional(),
  /** The queue job of the wake-up run. */
  jobId: z.string().optional(),
  cancelledAt: z.number().optional(),
});

export type Commitment = z.infer<typeof CommitmentFields>;
export type CommitmentStatus = Commitment["status"];

const BASE = "commitments";
const keyOf = (id: string) => `${BASE}:${id}.yaml`;

/**
 * `commitments/<id>.yaml` in the global root, one file per commitment, written atomically. A file that no
 * longer validates is skipped at load (reported to `onSkip`), never fatal.
 */
export class CommitmentRepository {
  constructor(private readonly scope: Scope) {}

  async loadAll(onSkip: (key: string, reason: string) => void): Promise<Commitment[]> {
    const found: Commitment[] = [];
    for (const name of await this.scope.store.keys(BASE)) {
      if (!name.endsWith(".yaml")) continue;
      try {
        const stored = await this.scope.store.read(`${BASE}:${name}`);
        const parsed = CommitmentFields.loose().safeParse(stored?.data);
        if (parsed.success) found.push(parsed.data);
        else onSkip(name, parsed.error.message);
      } catch (error) {
        onSkip(name, (error as Error).message);
      }
    }
    return found;
  }

  async save(commitment: Commitment): Promise<void> {
    await this.scope.store.write(keyOf(commitment.id), { ...commitment });
  }
}
