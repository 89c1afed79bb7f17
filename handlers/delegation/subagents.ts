import { DomainError } from "../../storage/errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { either, SubagentsAnswerSchema, SubagentsRequestSchema } from "./delegation-schemas.js";

/**
 * Several sub-tasks at once, each a delegation of its own (own session and run), all started together;
 * the answer gathers them in the order given. A refused or failed task carries its error, as the original
 * answers, while the others still report.
 */
function subagentsRouter(operationId: string, path: string) {
  return createRouter().openapi(
    defineRoute("operator", {
      method: "post",
      path,
      operationId,
      tags: ["Delegation"],
      summary: "Run several sub-tasks on agents in parallel and gather their answers",
      request: { body: jsonBody(SubagentsRequestSchema) },
      responses: {
        200: jsonContent(SubagentsAnswerSchema, "Every task's answer or error, in order"),
        ...errorResponses(400, 501),
      },
    }),
    async (c) => {
      const delegation = requireCapability(c.get("services"), "delegation");
      const body = c.req.valid("json");
      const workdirRoots = c.get("gatewayConfig").workdirRoots;
      const results = await Promise.all(
        body.tasks.map(async (task) => {
          const agent = either(task.agent_id, task.agent)!;
          const query = either(task.task, task.query)!;
          try {
            const record = await delegation.delegate({
              agentId: agent,
              task: query,
              parentSessionKey: either(body.parent_session_key, body.parentSessionKey),
              parentRunId: body.parent_run_id,
              channel: body.channel ?? "subagent",
              inheritContext: either(body.inherit_context, body.inheritContext),
              workdirRoots,
            });
            return {
              agent,
              query,
              reply: record.reply,
              durationMs: record.duration_ms,
              ...(record.error ? { error: record.error } : {}),
              delegation: record,
            };
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            return { agent, query, reply: "", durationMs: 0, error: error.message, code: error.code };
          }
        }),
      );
      return c.json({ count: results.length, results }, 200);
    },
  );
}

/** Mounted at `/agent`: OpenVesper's `POST /agent/subagents`. */
export const agentSubagentsRouter = subagentsRouter("runSubagents", "/subagents");
/** Mounted at `/api/delegations`. */
export const parallelDelegationsRouter = subagentsRouter("createParallelDelegations", "/parallel");
