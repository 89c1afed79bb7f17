import { z } from "./zod.js";

/**
 * gateway.yaml `redis:`: multi-instance mode (off when absent). Either the URL alone or an object; the
 * environment's `VIBEN_REDIS_URL` switches it on or overrides the file's URL.
 */
export const RedisSectionSchema = z.union([
  z.string().regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL"),
  z
    .object({
      url: z.string().regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL"),
      /** Prefix of every key the gateway writes, so several deployments can share one Redis. */
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9_.:-]{1,64}$/, "letters, digits and _.:- only, at most 64")
        .optional(),
      /** How long a job's lease lasts without renewal: a dead instance's jobs are taken over after it. */
      lease_ms: z.number().int().min(1000).max(600_000).optional(),
    })
    .loose(),
]);

export type RedisSectionInput = z.infer<typeof RedisSectionSchema>;

export interface RedisSettings {
  url: string;
  prefix: string;
  leaseMs: number;
}

export const DEFAULT_REDIS_PREFIX = "viben";
export const DEFAULT_REDIS_LEASE_MS = 30_000;
export const REDIS_URL_ENV = "VIBEN_REDIS_URL";

/** The compiled settings, or undefined when multi-instance mode is off. */
export function compileRedisSettings(
  input: RedisSectionInput | null | undefined,
  env: Readonly<Record<string, string | undefined>>,
): RedisSettings | undefined {
  const fromEnv = env[REDIS_URL_ENV]?.trim();
  const section = typeof input === "string" ? { url: input } : (input ?? undefined);
  const url = fromEnv || section?.url;
  if (!url) return undefined;
  if (!/^rediss?:\/\//.test(url)) throw new Error(`${REDIS_URL_ENV}: must be a redis:// or rediss:// URL`);
  return {
    url,
    prefix: section?.prefix ?? DEFAULT_REDIS_PREFIX,
    leaseMs: section?.lease_ms ?? DEFAULT_REDIS_LEASE_MS,
  };
}

/** A URL with its password replaced, for logs and /health. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "redis://***";
  }
}
