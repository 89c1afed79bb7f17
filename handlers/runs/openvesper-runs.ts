import { z } from "@hono/zod-openapi";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent } from "../lib/schemas.js";
import { forwardingUnknownRuns } from "../middleware/run-forwarding.js";
import { OpenVesperRunSchema, openVesperRunView } from "./run-views.js";
import { DEFAULT_WAIT_MS, runNotFound, waitTimeout } from "./run-wait.js";

/* OpenVesper's run lookups at its literal paths: /agent/run/:runId, …/wait, …/abort (camelCase). */

const RunParams = z.object({
  runId: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "runId", in: "path" }, example: "0b6f…" }),
});
const WaitQuery = z.object({
  timeoutMs: z
    .string()
    .optional()
    .openapi({ type: "integer", description: "Default 300000 (5 min); at most 3600000" }),
  timeout_ms: z.string().optional().openapi({ type: "integer", description: "The same, our spelling" }),
});
const WaitBody = z
  .object({ timeoutMs: z.number().int().optional(), timeout_ms: z.number().int().optional() })
  .loose();

export const openVesperRunsRouter = forwardingUnknownRuns(createRouter())
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/run/{runId}",
      operationId: "getAgentRun",
      tags: ["Runs"],
      summary: "A run's status and result by its run id (any run: spawn, chat, queue, cron, …)",
      request: { params: RunParams },
      responses: {
        200: jsonContent(OpenVesperRunSchema, "The run"),
        ...errorResponses(404, 501),
      },
    }),
    async (c) => {
      const registry = requireCapability(c.get("services"), "runRegistry");
      const { runId } = c.req.valid("param");
      const record = await registry.get(runId);
      if (!record) throw runNotFound(runId);
      return c.json(openVesperRunView(record), 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "post",
      path: "/run/{runId}/wait",
      operationId: "waitForAgentRun",
      tags: ["Runs"],
      summary: "Block until the run ends or the timeout passes (408 with the run as it is then)",
      request: {
        params: RunParams,
        query: WaitQuery,
        body: { required: false, content: { "application/json": { schema: WaitBody } } },
      },
      responses: {
        200: jsonContent(OpenVesperRunSchema, "The run, ended"),
        ...errorResponses(400, 404, 408, 501),
      },
    }),
    async (c) => {
      const registry = requireCapability(c.get("services"), "runRegistry");
      const { runId } = c.req.valid("param");
      const body = c.req.valid("json") as z.infer<typeof WaitBody> | undefined;
      const timeoutMs = waitTimeout([c.req.valid("query"), body], DEFAULT_WAIT_MS);
      const waited = await registry.wait(runId, timeoutMs);
      if (!waited) throw runNotFound(runId);
      if (!waited.done) {
        throw new ApiError(408, "RUN_WAIT_TIMEOUT", `run '${runId}' has not ended after ${timeoutMs} ms`, {
          run_id: runId,
          run: openVesperRunView(waited.record),
        });
      }
      return c.json(openVesperRunView(waited.record), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/run/{runId}/abort",
      operationId: "abortAgentRun",
      tags: ["Runs"],
      summary: "Stop a running run (kills its processes) or cancel a queued one",
      request: { params: RunParams },
      responses: {
        200: jsonContent(
          OpenVesperRunSchema.extend({
            aborted: z.boolean().openapi({ description: "false when it had already ended" }),
          }),
          "The run after the abort",
        ),
        ...errorResponses(404, 501),
      },
    }),
    async (c) => {
      const registry = requireCapability(c.get("services"), "runRegistry");
      const { runId } = c.req.valid("param");
      const result = await registry.abort(runId);
      if (!result) throw runNotFound(runId);
      return c.json({ aborted: result.aborted, ...openVesperRunView(result.record) }, 200);
    },
  );
