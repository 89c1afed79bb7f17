import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { isLoopbackAddress } from "../../storage/rules/loopback.js";
import type { Services } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { jsonContent } from "../lib/schemas.js";
import { OpenVesperHealthFields, openVesperHealthJson } from "./health-openvesper.js";

const StartupSchema = z
  .object({
    host: z.string(),
    port: z.number().int(),
    started_at: z.string(),
    pid: z.number().int(),
    node_version: z.string(),
    platform: z.string(),
    arch: z.string(),
    config_dir: z.string(),
    state_dir: z.string(),
    command: z.string(),
  })
  .openapi("HealthStartup", { description: "How the gateway was started (Node; loopback callers only)" });

const HealthSchema = z
  .object({
    status: z.literal("ok"),
    version: z.string(),
    uptime: z.number().openapi({ description: "Seconds since start" }),
    runtime: z.enum(["node", "workerd"]),
    // The original Viben server's fields (LinXueyuanStdio/viben packages/core/src/gateway/routes/health.ts).
    service: z.literal("viben-gateway"),
    timestamp: z.string().openapi({ description: "The gateway's clock now (ISO 8601)" }),
    uptime_seconds: z.number().int().openapi({ description: "Whole seconds since start" }),
    startup: StartupSchema.optional(),
    ...OpenVesperHealthFields,
  })
  .openapi("Health");

/**
 * /health: public liveness check. Built around the services rather than reading them from the context,
 * so it can answer ahead of every middleware (see handlers/index.ts). Also mounted at /api/health, where
 * the Ryvos web UI probes (its own operationId, as every operation's must be unique).
 */
export const createHealthRouter = (services: Services, operationId = "getHealth") =>
  createRouter().openapi(
    defineRoute("public", {
      method: "get",
      path: "/",
      operationId,
      tags: ["Health"],
      summary: "Liveness, version and runtime (public)",
      security: [],
      responses: {
        200: jsonContent(HealthSchema, "The gateway is up"),
        // The route itself never refuses a request; the HTTP server in front does, for every route alike.
        431: {
          description: "Request headers too large: the HTTP server answers before any route, without a body",
        },
      },
    }),
    async (c) => {
      const { version, runtime, startedAt, clock } = services;
      const now = clock.now();
      const uptime = Math.max(0, (now.getTime() - startedAt) / 1000);
      const startup = localCaller(services, c) ? services.startup?.() : undefined;
      const core = JSON.stringify({
        status: "ok" as const,
        version,
        uptime,
        runtime,
        service: "viben-gateway" as const,
        timestamp: now.toISOString(),
        uptime_seconds: Math.floor(uptime),
        ...(startup ? { startup } : {}),
      });
      // OpenVesper's fields arrive as JSON text, reused while nothing changed: a probe costs one small
      // serialisation (the body is exactly what c.json would send for the merged object).
      const extra = await openVesperHealthJson(services);
      const body = extra ? `${core.slice(0, -1)},${extra.slice(1)}` : core;
      return c.body(body, 200, { "content-type": "application/json" }) as unknown as ReturnType<
        typeof c.json<z.infer<typeof HealthSchema>, 200>
      >;
    },
  );

/** /health is public: paths and the pid are told only to callers on this machine. */
function localCaller(services: Services, c: Context): boolean {
  return isLoopbackAddress(services.remoteAddress?.(c));
}
