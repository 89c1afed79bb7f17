import { z } from "@hono/zod-openapi";
import { DELIVERY_STATUSES, type DeliveryRecord } from "../../storage/channel-outbox.js";
import { RUN_STATUSES } from "../../storage/run-records.js";
import type { RunRecordView } from "../capabilities/run-registry.js";

/** A run record as /api/runs/{id} answers it (our snake_case; `done` says whether it has ended). */
export const RunRecordViewSchema = z
  .object({
    run_id: z.string(),
    status: z.enum(RUN_STATUSES),
    done: z.boolean(),
    agent_id: z.string(),
    session_id: z.string(),
    source: z
      .string()
      .openapi({ description: "spawn, chat, ws, cron, webhook, api, agent, interactive, acp, …" }),
    channel: z.string().optional(),
    session_key: z.string().optional(),
    executor: z.string().optional(),
    pid: z.number().optional(),
    workdir: z.string().optional(),
    prompt_preview: z.string().optional(),
    accepted_at: z.string(),
    started_at: z.string().optional(),
    ended_at: z.string().optional(),
    duration_ms: z.number().optional(),
    queue_job_id: z.string().optional().openapi({ description: "The queue job the run came from" }),
    result: z
      .object({
        reply: z.string(),
        tokens: z.object({ input: z.number(), output: z.number() }),
        cost_cents: z.number(),
        tools_used: z.array(z.string()).optional(),
        error: z.string().optional(),
        exit_code: z.number().nullable().optional(),
      })
      .optional()
      .openapi({ description: "How it ended (absent while it runs)" }),
  })
  .extend({
    channel_deliveries: z
      .array(
        z.object({
          channel: z.string(),
          status: z.enum(DELIVERY_STATUSES),
          attempts: z.number(),
          error: z.string().optional(),
          delivered_at: z.string().optional(),
        }),
      )
      .optional()
      .openapi({
        description: "Where the run's answer went (channels): one entry per channel, its delivery's status",
      }),
  })
  .loose()
  .openapi("RunRecord");

export function runView(record: RunRecordView, deliveries: DeliveryRecord[] = []) {
  return {
    ...record,
    done: isDone(record),
    ...(deliveries.length > 0
      ? {
          channel_deliveries: deliveries.map((d) => ({
            channel: d.channel,
            status: d.status,
            attempts: d.attempts,
            ...(d.error ? { error: d.error } : {}),
            ...(d.delivered_at ? { delivered_at: d.delivered_at } : {}),
          })),
        }
      : {}),
  };
}

const OPEN = new Set(["queued", "running"]);
export const isDone = (record: RunRecordView) => !OPEN.has(record.status);

/** OpenVesper's run statuses (run-registry.ts there): ours folded onto its five. */
const OPENVESPER_STATUS: Record<RunRecordView["status"], string> = {
  queued: "queued",
  running: "running",
  completed: "complete",
  failed: "error",
  timeout: "error",
  interrupted: "error",
  stopped: "aborted",
};

export const OpenVesperRunSchema = z
  .object({
    runId: z.string(),
    sessionKey: z.string().openapi({ description: "The key the run came with, else the session id" }),
    sessionId: z.string(),
    agent: z.string(),
    channel: z.string(),
    status: z.enum(["queued", "running", "complete", "error", "aborted"]),
    acceptedAt: z.number().openapi({ description: "Unix milliseconds" }),
    startedAt: z.number().nullable(),
    endedAt: z.number().nullable(),
    durationMs: z.number().nullable(),
    reply: z.string().nullable(),
    error: z.string().nullable(),
    gatewayStatus: z
      .enum(RUN_STATUSES)
      .openapi({ description: "Our status (timeout and interrupted kept apart)" }),
    tokens: z.object({ input: z.number(), output: z.number() }).optional(),
    costCents: z.number().optional(),
  })
  .loose()
  .openapi("OpenVesperRun");

const millis = (iso: string | undefined) => {
  const ms = iso === undefined ? Number.NaN : Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
};

/** A run as OpenVesper's GET /agent/run/:runId answers it: camelCase, times in Unix milliseconds. */
export function openVesperRunView(record: RunRecordView) {
  return {
    runId: record.run_id,
    sessionKey: record.session_key ?? record.session_id,
    sessionId: record.session_id,
    agent: record.agent_id,
    channel: record.channel ?? record.source,
    status: OPENVESPER_STATUS[record.status] as z.infer<typeof OpenVesperRunSchema>["status"],
    acceptedAt: millis(record.accepted_at) ?? 0,
    startedAt: millis(record.started_at),
    endedAt: millis(record.ended_at),
    durationMs: record.duration_ms ?? null,
    reply: record.result?.reply ?? null,
    error: record.result?.error ?? null,
    gatewayStatus: record.status,
    ...(record.result ? { tokens: record.result.tokens, costCents: record.result.cost_cents } : {}),
    ...(record.queue_job_id ? { queueJobId: record.queue_job_id } : {}),
  };
}
