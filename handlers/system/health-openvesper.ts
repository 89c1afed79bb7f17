import { z } from "@hono/zod-openapi";
import { RunCountsSchema, SessionLanesSchema } from "../capabilities/activity.js";
import { BackgroundTaskCountsSchema } from "../capabilities/background-tasks.js";
import type { Services } from "../context.js";
import { OpenVesperHeartbeatSchema, openVesperHeartbeat } from "../heartbeat/heartbeat-views.js";

/**
 * The fields OpenVesper's /health adds (openvesper/openvesper apps/gateway/src/index.ts; its CLI's
 * monitor reads them). Each is there where the runtime has what it counts (Node), all from memory.
 */
export const OpenVesperHealthFields = {
  sessionsActive: z.number().optional().openapi({ description: "Sessions with a live run" }),
  lanes: SessionLanesSchema.optional(),
  runs: RunCountsSchema.optional(),
  tasks: BackgroundTaskCountsSchema.optional().openapi({ description: "Background tasks (/tasks)" }),
  heartbeat: OpenVesperHeartbeatSchema.optional(),
  pendingApprovals: z
    .number()
    .optional()
    .openapi({ description: "Questions live interactive runs wait on an answer for" }),
  hooks: z.record(z.string(), z.number()).optional().openapi({
    description:
      "Webhook intake (POST /hooks/…) as configured in gateway.yaml `hooks:`: hook tokens and callback hosts (OpenVesper prints these counts in `vesper gateway status`)",
  }),
};

export async function openVesperHealth(services: Services) {
  const { activity, backgroundTasks, heartbeat, gatewayConfig } = services;
  const config = gatewayConfig.peek() ?? (await gatewayConfig.get().catch(() => undefined));
  return {
    ...(config
      ? { hooks: { tokens: config.hookTokens.length, callback_hosts: config.hookCallbackHosts.length } }
      : {}),
    ...(activity
      ? {
          sessionsActive: activity.sessionsActive(),
          lanes: await activity.lanes(),
          runs: activity.runs(),
          pendingApprovals: activity.pendingApprovals(),
        }
      : {}),
    ...(backgroundTasks ? { tasks: backgroundTasks.counts() } : {}),
    ...(heartbeat ? { heartbeat: openVesperHeartbeat(await heartbeat.status()) } : {}),
  };
}
