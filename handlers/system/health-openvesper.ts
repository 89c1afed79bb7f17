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
 * The fields as a JSON object text ("" when the runtime has none of them), when the text made last can be
 * reused: nothing happened since — no event on the bus, the same gateway.yaml, the same counters — and no
 * run is live (a live lane's `runningMs` moves on its own). /health is a liveness probe first: this is
 * the probe's usual answer, read synchronously so that it never waits on a promise.
 */
export function reusedOpenVesperHealthJson(services: Services): string | undefined {
  const cached = cachedFieldsOf.get(services);
  const config = services.gatewayConfig.peek();
  const seq = services.events?.lastSeq;
  if (!cached || config === undefined || seq === undefined) return undefined;
  if (cached.seq !== seq || cached.config !== config) return undefined;
  const { runs, counters } = countsOf(services);
  return cached.counters === counters && (runs?.active ?? 0) === 0 ? cached.json : undefined;
}

/** The fields as a JSON object text, made afresh from memory (and kept for reuse). */
export async function openVesperHealthJson(services: Services): Promise<string> {
  const { activity, heartbeat, gatewayConfig, events } = services;
  const config = gatewayConfig.peek() ?? (await gatewayConfig.get().catch(() => undefined));
  const { runs, tasks, sessionsActive, pendingApprovals, counters } = countsOf(services);
  const seq = events?.lastSeq;
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

/** The counts the fields report, read from memory, and all of them as one string to compare. */
function countsOf({ activity, backgroundTasks }: Services) {
  const runs = activity?.runs();
  const tasks = backgroundTasks?.counts();
  const sessionsActive = activity?.sessionsActive();
  const pendingApprovals = activity?.pendingApprovals();
  const counters = `${runs?.total}/${runs?.active}/${sessionsActive}/${pendingApprovals}/${tasks?.total}/${tasks?.scheduled}/${tasks?.running}/${tasks?.complete}`;
  return { runs, tasks, sessionsActive, pendingApprovals, counters };
}
