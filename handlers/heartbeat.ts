import { z } from "@hono/zod-openapi";
import type { HeartbeatService } from "./capabilities.js";
import type { Services } from "./context.js";
import { ApiError } from "./errors.js";
import { createRouter } from "./lib/app-factory.js";
import { defineRoute } from "./lib/roles.js";
import { errorResponses, jsonContent } from "./lib/schemas.js";

function requireHeartbeat(services: Services): HeartbeatService {
  if (!services.heartbeat) {
    throw new ApiError(
      501,
      "NOT_SUPPORTED_IN_RUNTIME",
      `the heartbeat is not available on ${services.runtime}`,
    );
  }
  return services.heartbeat;
}

const HeartbeatStatusSchema = z
  .object({
    enabled: z.boolean(),
    interval: z.number().nullable().openapi({ description: "Seconds between checks" }),
    agent_id: z.string().nullable(),
    last_run_at: z.string().nullable(),
    last_status: z.enum(["succeeded", "failed", "alert", "running"]).nullable(),
    next_run_at: z.string().nullable(),
    consecutive_failures: z.number(),
    last_run_id: z.string().nullable(),
    last_session_id: z.string().nullable(),
    last_error: z.string().nullable(),
  })
  .openapi("HeartbeatStatus");

/** /api/heartbeat: the gateway.yaml self-check, its status and a reload. */
export const heartbeatRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/status",
      operationId: "getHeartbeatStatus",
      tags: ["Heartbeat"],
      summary: "The heartbeat's configuration and last outcome",
      responses: { 200: jsonContent(HeartbeatStatusSchema, "Status"), ...errorResponses(501) },
    }),
    async (c) => c.json(await requireHeartbeat(c.get("services")).status(), 200),
  )
  .openapi(
    defineRoute("admin", {
      method: "post",
      path: "/reload",
      operationId: "reloadHeartbeat",
      tags: ["Heartbeat"],
      summary:
        "Re-read gateway.yaml and apply its heartbeat section now (edits are also picked up on their own)",
      responses: {
        200: jsonContent(HeartbeatStatusSchema, "Status after the reload"),
        ...errorResponses(422, 501),
      },
    }),
    async (c) => c.json(await requireHeartbeat(c.get("services")).reload(), 200),
  );
