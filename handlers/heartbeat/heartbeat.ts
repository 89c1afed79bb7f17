import { HeartbeatStatusSchema } from "../capabilities/heartbeat.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent } from "../lib/schemas.js";

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
    async (c) => c.json(await requireCapability(c.get("services"), "heartbeat").status(), 200),
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
    async (c) => c.json(await requireCapability(c.get("services"), "heartbeat").reload(), 200),
  );
