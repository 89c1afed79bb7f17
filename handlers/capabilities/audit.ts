import { z } from "@hono/zod-openapi";
import type {
  AuditEntry,
  AuditFilter,
  AuditInput,
  AuditPage,
  AuditPageRequest,
  AuditStats,
} from "../../storage/audit-log.js";

export type { AuditEntry, AuditFilter, AuditInput, AuditPage, AuditPageRequest, AuditStats };

/** One audit entry as the API answers it (OpenVesper's `timestamp`, `isoTime` and `event.kind` beside ours). */
export const AuditEntrySchema = z
  .object({
    id: z.string(),
    ts: z.string().openapi({ description: "ISO 8601, UTC" }),
    actor: z
      .string()
      .openapi({ description: "API key name, `local` (no keys configured), `hook:<name>`, `system`" }),
    action: z.string().openapi({ example: "api.post" }),
    resource: z.string().optional().openapi({ example: "/api/agent/helper" }),
    outcome: z.string().optional().openapi({ description: "ok, denied, error, …" }),
    details: z.record(z.string(), z.unknown()).optional(),
    timestamp: z.number().openapi({ description: "Unix milliseconds (OpenVesper)" }),
    isoTime: z.string().openapi({ description: "The same as ts (OpenVesper)" }),
    event: z
      .object({ kind: z.string() })
      .loose()
      .openapi({ description: "OpenVesper's shape: `kind` is the action, the details beside it" }),
  })
  .openapi("AuditEntry");

/**
 * The append-only audit trail (storage/audit-log.ts over the runtime's append log). Recording never waits for
 * the disk; reads see everything recorded before them.
 */
export interface AuditTrail {
  record(input: AuditInput): AuditEntry;
  /** A key's use, coalesced (one entry per key per minute); its last use is kept. */
  keyUsed(name: string, details?: Record<string, unknown>): void;
  lastKeyUses(names: readonly string[]): Promise<Map<string, string>>;
  query(request: AuditPageRequest): Promise<AuditPage>;
  stats(filter: AuditFilter & { from: string; to: string }): Promise<AuditStats>;
  dates(): Promise<string[]>;
  flush(): Promise<void>;
}
