import { z } from "@hono/zod-openapi";
import { type Commitment, CommitmentFields, type CommitmentStatus } from "../../storage/commitments.js";

export type { Commitment, CommitmentStatus } from "../../storage/commitments.js";
export { COMMITMENT_KINDS, COMMITMENT_STATUSES } from "../../storage/commitments.js";

/** A commitment as answered (OpenVesper's shape plus our wake-up fields). */
export const CommitmentSchema = CommitmentFields.loose().openapi("Commitment");

export const CommitmentCountsSchema = z
  .object({ total: z.number(), open: z.number(), fulfilled: z.number() })
  .openapi("CommitmentCounts");

export interface CommitmentInput {
  kind: Commitment["kind"];
  sessionKey: string;
  agent: string;
  promise: string;
  originalContext?: string;
  /** Epoch ms; without it the commitment never wakes its agent. */
  dueAt?: number;
}

/**
 * Promises an agent made (Node): each open one with a due time wakes its agent through the run queue once
 * the time passes, with a prompt saying what was promised.
 */
export interface CommitmentService {
  create(input: CommitmentInput): Promise<Commitment>;
  /** Soonest due first (those without a due time by creation). */
  list(filter?: { sessionKey?: string; agent?: string; status?: CommitmentStatus }): Commitment[];
  get(id: string): Commitment | null;
  /** Null for an unknown id; throws a conflict when it was cancelled. */
  fulfill(id: string): Promise<Commitment | null>;
  /** Null for an unknown id; throws a conflict when it was fulfilled. */
  cancel(id: string): Promise<Commitment | null>;
  counts(): z.infer<typeof CommitmentCountsSchema>;
}
