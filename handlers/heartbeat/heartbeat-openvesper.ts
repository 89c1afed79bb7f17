import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent } from "../lib/schemas.js";
import { OpenVesperHeartbeatSchema, openVesperHeartbeat } from "./heartbeat-views.js";

/** /heartbeat: OpenVesper's literal paths over our gateway.yaml heartbeat (/api/heartbeat). */
export const heartbeatOpenVesperRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/status",
      operationId: "getOpenVesperHeartbeatStatus",
      tags: ["Heartbeat"],
      summary: "The heartbeat in OpenVesper's shape (running, agentCount, agents) beside ours",
      responses: { 200: jsonContent(OpenVesperHeartbeatSchema, "Status"), ...errorResponses(501) },
    }),
    async (c) =>
      c.json(openVesperHeartbeat(await requireCapability(c.get("services"), "heartbeat").status()), 200),
  )
  .openapi(
    defineRoute("admin", {
      method: "post",
      path: "/reload",
      operationId: "reloadOpenVesperHeartbeat",
      tags: ["Heartbeat"],
      summary: "Re-read gateway.yaml's heartbeat now; answers the status in OpenVesper's shape",
      responses: {
        200: jsonContent(OpenVesperHeartbeatSchema, "Status after the reload"),
        ...errorResponses(422, 501),
      },
    }),
    async (c) =>
      c.json(openVesperHeartbeat(await requireCapability(c.get("services"), "heartbeat").reload()), 200),
  );
