import { SessionLanesSchema } from "../capabilities/activity.js";
import { QueueLaneReportSchema } from "../capabilities/queue.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent } from "../lib/schemas.js";

const LanesSchema = SessionLanesSchema.extend({
  queue: QueueLaneReportSchema.optional().openapi({
    description: "Our queue's lanes (global, per agent, per workspace), as GET /api/queue/lanes",
  }),
}).openapi("Lanes");

/**
 * OpenVesper's `GET /lanes` (apps/gateway/src/session-lane.ts `status()`): live runs per session with the
 * queued jobs waiting for each, beside our queue's lane report. Mounted at /lanes and /api/lanes.
 */
export const createLanesRouter = (operationId: string) =>
  createRouter().openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId,
      tags: ["Queue"],
      summary: "Session lanes: live runs per session and the jobs waiting for them, with the queue's lanes",
      responses: { 200: jsonContent(LanesSchema, "Lanes"), ...errorResponses(501) },
    }),
    async (c) => {
      const services = c.get("services");
      const lanes = await requireCapability(services, "activity").lanes();
      const queue = await services.queue?.lanes?.();
      return c.json({ ...lanes, ...(queue ? { queue } : {}) }, 200);
    },
  );
