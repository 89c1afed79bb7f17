import { z } from "@hono/zod-openapi";
import { isLoopbackAddress } from "../../storage/rules/loopback.js";
import type { GatewayStartup } from "../capabilities/startup.js";
import type { Services } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { jsonContent } from "../lib/schemas.js";
import { coreHealthJson } from "./health-core.js";
import {
  OpenVesperHealthFields,
  openVesperHealthJson,
  reusedOpenVesperHealthJson,
} from "./health-openvesper.js";

export { isHealthPath } from "./health-core.js";

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
    ready: z.boolean().openapi({
      description:
        "False while the gateway is still loading after its start (the port is open, other requests wait for it): liveness before readiness",
    }),
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
    (c) => {
      type Typed = ReturnType<typeof c.json<z.infer<typeof HealthSchema>, 200>>;
      const respond = (body: string) =>
        c.body(body, 200, { "content-type": "application/json" }) as unknown as Typed;
      const local = isLoopbackAddress(services.remoteAddress?.(c));
      // Synchronous while OpenVesper's fields can be reused, so the probe never waits on a promise.
      const ready = readyHealthBody(services, local);
      if (ready !== undefined) return respond(ready);
      return openVesperHealthJson(services).then<Typed>((extra) =>
        respond(healthBody(services, local, extra)),
      );
    },
  );

/**
 * The body of the answer when it can be given at once (OpenVesper's fields unchanged since the last
 * probe), else undefined. `local`: the caller is on this machine (`isLoopbackAddress` of its address),
 * which alone is told the startup record (paths and the pid).
 */
export function readyHealthBody(services: Services, local: boolean): string | undefined {
  const extra = reusedOpenVesperHealthJson(services);
  return extra === undefined ? undefined : healthBody(services, local, extra);
}

/** The startup record as JSON text, made once: the record is set once, when the server listens. */
const startupJsonOf = new WeakMap<GatewayStartup, string>();

/** The last body made, with what it was made from. */
interface LastBody {
  at: number;
  startup: GatewayStartup | undefined;
  extra: string;
  body: string;
}
const lastBodyOf = new WeakMap<Services, LastBody>();

/**
 * The live fields, then `startup` and OpenVesper's fields spliced in as text: exactly what c.json would
 * send for the merged object. Probes arriving within the same millisecond (the finest figure it holds)
 * get the same text again.
 */
function healthBody(services: Services, local: boolean, extra: string): string {
  const { version, runtime, startedAt, clock } = services;
  const now = clock.now();
  const at = now.getTime();
  const startup = local ? services.startup?.() : undefined;
  const last = lastBodyOf.get(services);
  if (last && last.at === at && last.startup === startup && last.extra === extra) return last.body;
  const core = coreHealthJson({ version, runtime, startedAt, now, ready: true });
  let startupJson = startup && startupJsonOf.get(startup);
  if (startup && startupJson === undefined) {
    startupJson = JSON.stringify(startup);
    startupJsonOf.set(startup, startupJson);
  }
  const tail = (startupJson ? `,"startup":${startupJson}` : "") + (extra ? `,${extra.slice(1, -1)}` : "");
  const body = `${core.slice(0, -1)}${tail}}`;
  lastBodyOf.set(services, { at, startup, extra, body });
  return body;
}
