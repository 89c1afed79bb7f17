import { z } from "@hono/zod-openapi";
import type { Services } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { jsonContent } from "../lib/schemas.js";

const HealthSchema = z
  .object({
    status: z.literal("ok"),
    version: z.string(),
    uptime: z.number().openapi({ description: "Seconds since start" }),
    runtime: z.enum(["node", "workerd"]),
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
    (c) => {
      const { version, runtime, startedAt, clock } = services;
      const uptime = Math.max(0, (clock.now().getTime() - startedAt) / 1000);
      return c.json({ status: "ok" as const, version, uptime, runtime }, 200);
    },
  );
