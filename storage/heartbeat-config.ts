import { parseDuration } from "./cron-durations.js";
import { StorageError } from "./errors.js";
import { idSchema } from "./schema-helpers.js";
import { z } from "./zod.js";

const intervalSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return parseDuration(value, "interval");
  } catch (error) {
    const message = error instanceof StorageError ? error.message.replace(/^interval: /, "") : String(error);
    ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  }
});

/** gateway.yaml `heartbeat:`, a periodic self-check run through the queue. */
export const HeartbeatSectionSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** The default agent when absent. */
    agent_id: idSchema.optional(),
    prompt: z.string().min(1, "must not be empty"),
    /** "5m", "1h", or seconds. */
    interval: intervalSchema.default(300),
    workdir: z.string().startsWith("/", "must be an absolute path").optional(),
    /** A response containing any of these raises `heartbeat_alert` even when the run succeeded. */
    alert_on: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  })
  .loose();

export interface HeartbeatSettings {
  enabled: boolean;
  agent_id?: string;
  prompt: string;
  intervalSeconds: number;
  workdir?: string;
  alertOn: string[];
}

export function compileHeartbeat(
  section: z.output<typeof HeartbeatSectionSchema> | undefined,
): HeartbeatSettings | undefined {
  if (!section) return undefined;
  return {
    enabled: section.enabled,
    ...(section.agent_id ? { agent_id: section.agent_id } : {}),
    prompt: section.prompt,
    intervalSeconds: section.interval,
    ...(section.workdir ? { workdir: section.workdir } : {}),
    alertOn: section.alert_on === undefined ? [] : [section.alert_on].flat(),
  };
}
