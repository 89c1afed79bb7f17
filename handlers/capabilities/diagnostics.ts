import { z } from "@hono/zod-openapi";

/** `GET /diag`: what a bug report needs, every secret redacted. */
export const DiagReportSchema = z
  .object({
    generated_at: z.string(),
    gateway: z.object({
      version: z.string(),
      node: z.string(),
      platform: z.string(),
      arch: z.string(),
      pid: z.number(),
      uptime_seconds: z.number(),
    }),
    config: z.record(z.string(), z.unknown()).openapi({ description: "gateway.yaml, secrets redacted" }),
    config_warnings: z.array(z.string()),
    executors: z.array(z.object({ id: z.string(), availability: z.string() }).loose()),
    storage: z.array(
      z.object({
        root: z.string(),
        writable: z.boolean(),
        free_bytes: z.number().nullable(),
        error: z.string().optional(),
      }),
    ),
    queue: z.record(z.string(), z.unknown()),
    cron: z.record(z.string(), z.unknown()),
    oauth: z.object({ configured: z.array(z.string()), with_tokens: z.array(z.string()) }),
    recent_errors: z.array(z.record(z.string(), z.unknown())),
  })
  .loose()
  .openapi("DiagReport");

export type DiagReport = z.infer<typeof DiagReportSchema>;

/** Diagnostics of the running gateway (Node). */
export interface DiagnosticsService {
  report(): Promise<DiagReport>;
  /** One tar.gz with the report, redacted gateway.yaml, providers, environment names and recent logs. */
  bundle(): Promise<{ filename: string; data: Uint8Array }>;
}
