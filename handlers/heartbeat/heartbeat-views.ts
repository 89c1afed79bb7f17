import { z } from "@hono/zod-openapi";
import { type HeartbeatStatus, HeartbeatStatusSchema } from "../capabilities/heartbeat.js";

/**
 * OpenVesper's heartbeat status (apps/gateway/src/heartbeat.ts `status()`): whether the daemon runs and the
 * agents it wakes. Ours wakes one agent from gateway.yaml; its own status fields come along beside.
 */
export const OpenVesperHeartbeatSchema = HeartbeatStatusSchema.extend({
  running: z.boolean(),
  agentCount: z.number(),
  agents: z.array(
    z.object({
      mode: z.string().openapi({ description: "The agent's id (the default agent when none is set)" }),
      schedule: z.string(),
      intervalMs: z.number(),
      lastRun: z.number().openapi({ description: "Epoch ms of the last check; 0 before the first" }),
      enabled: z.boolean(),
    }),
  ),
}).openapi("OpenVesperHeartbeatStatus");

export function openVesperHeartbeat(status: HeartbeatStatus): z.infer<typeof OpenVesperHeartbeatSchema> {
  const intervalMs = (status.interval ?? 0) * 1000;
  const agents = status.enabled
    ? [
        {
          mode: status.agent_id ?? "default",
          schedule: `every ${status.interval ?? 0}s`,
          intervalMs,
          lastRun: status.last_run_at ? Date.parse(status.last_run_at) : 0,
          enabled: true,
        },
      ]
    : [];
  return { ...status, running: status.enabled, agentCount: agents.length, agents };
}
