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

/** The fields as JSON, kept per gateway with what they were made from. */
interface CachedFields {
  seq: number | undefined;
  config: unknown;
  counters: string;
  json: string;
}
const cachedFieldsOf = new WeakMap<Services, CachedFields>();

/**
 * The fields as a JSON object text ("" when the runtime has none of them). /health is a liveness probe
 * first: the text is reused while nothing happened — no event on the bus, the same gateway.yaml, the same
 * counters — and no run is live (a live lane's `runningMs` moves on its own).
 */
export async function openVesperHealthJson(services: Services): Promise<string> {
  const { activity, backgroundTasks, heartbeat, gatewayConfig, events } = services;
  const config = gatewayConfig.peek() ?? (await gatewayConfig.get().catch(() => undefined));
  const runs = activity?.runs();
  const tasks = backgroundTasks?.counts();
  const sessionsActive = activity?.sessionsActive();
  const pendingApprovals = activity?.pendingApprovals();
  const counters = `${runs?.total}/${runs?.active}/${sessionsActive}/${pendingApprovals}/${tasks?.total}/${tasks?.scheduled}/${tasks?.running}/${tasks?.complete}`;
  const seq = events?.lastSeq;
  const cached = cachedFieldsOf.get(services);
  if (
    cached &&
    seq !== undefined &&
    cached.seq === seq &&
    cached.config === config &&
    cached.counters === counters &&
    (runs?.active ?? 0) === 0
  ) {
    return cached.json;
  }
  const fields: Record<string, unknown> = {};
  if (config)
    fields.hooks = { tokens: config.hookTokens.length, callback_hosts: config.hookCallbackHosts.length };
  if (activity) {
    fields.sessionsActive = sessionsActive;
    fields.lanes = await activity.lanes();
    fields.runs = runs;
    fields.pendingApprovals = pendingApprovals;
  }
  if (tasks) fields.tasks = tasks;
  if (heartbeat) fields.heartbeat = openVesperHeartbeat(await heartbeat.status());
  const json = Object.keys(fields).length > 0 ? JSON.stringify(fields) : "";
  cachedFieldsOf.set(services, { seq, config, counters, json });
  return json;
}
