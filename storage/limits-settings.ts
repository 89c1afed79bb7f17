import { z } from "./zod.js";

/** Request body limits in bytes, per route family (see handlers/middleware/body-limit.ts). */
export interface BodyLimits {
  /** Every route not in a family below (JSON APIs: agents, providers, cron, tasks, ...). */
  body: number;
  /** Routes that carry a prompt or transcript: chat, spawn, the queue, session messages, history. */
  prompt_body: number;
  /** Webhook intake (`POST /api/hooks/*`), the one route open to hook tokens. */
  webhook_body: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = {
  body: 1024 * 1024,
  prompt_body: 8 * 1024 * 1024,
  webhook_body: 64 * 1024,
};

const MAX_LIMIT = 1024 * 1024 * 1024;
const UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** A size in gateway.yaml: a number of bytes, or a string with a unit (`64KiB`, `1 MiB`, `8MB`). */
const SizeSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  let bytes: number | undefined = typeof value === "number" ? value : undefined;
  if (typeof value === "string") {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
    const unit = UNITS[(match?.[2] || "b").toLowerCase()];
    if (match && unit) bytes = Math.floor(Number(match[1]) * unit);
  }
  if (bytes === undefined || !Number.isInteger(bytes) || bytes < 1 || bytes > MAX_LIMIT) {
    ctx.addIssue({
      code: "custom",
      message: "must be a size from 1 byte to 1 GiB: a number of bytes or e.g. '64KiB', '1MiB', '8MB'",
    });
    return z.NEVER;
  }
  return bytes;
});

/** gateway.yaml `limits:`; every field optional. */
export const LimitsSchema = z
  .object({
    body: SizeSchema.optional(),
    prompt_body: SizeSchema.optional(),
    webhook_body: SizeSchema.optional(),
  })
  .loose();

export function compileBodyLimits(input: z.infer<typeof LimitsSchema> | null | undefined): BodyLimits {
  return {
    body: input?.body ?? DEFAULT_BODY_LIMITS.body,
    prompt_body: input?.prompt_body ?? DEFAULT_BODY_LIMITS.prompt_body,
    webhook_body: input?.webhook_body ?? DEFAULT_BODY_LIMITS.webhook_body,
  };
}

/** `1048576` → `1 MiB`, `65536` → `64 KiB`, `1500` → `1500 bytes` (for error messages). */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}
