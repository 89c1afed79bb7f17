import { z } from "@hono/zod-openapi";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import type { DelegationRecord } from "../capabilities/delegation.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, limitQuery } from "../lib/schemas.js";
import {
  DelegateAnswerSchema,
  DelegateRequestSchema,
  DelegationSchema,
  either,
} from "./delegation-schemas.js";

const TAGS = ["Delegation"];

const FAILURE: Record<Exclude<DelegationRecord["status"], "completed">, [502 | 504 | 409, string]> = {
  failed: [502, "RUN_FAILED"],
  timeout: [504, "RUN_TIMEOUT"],
  stopped: [409, "RUN_STOPPED"],
};

/** A finished delegation as answered: the record, OpenVesper's fields beside it; a failed run is an error. */
export function delegationAnswer(record: DelegationRecord) {
  if (record.status !== "completed") {
    const [status, code] = FAILURE[record.status];
    throw new ApiError(
      status,
      code,
      `agent '${record.agent_id}' ${record.status}: ${record.error ?? "no answer"}`,
      {
        delegation: record,
      },
    );
  }
  return {
    ...record,
    delegatedTo: record.agent_id,
    durationMs: record.duration_ms,
    subSessionKey: record.session_id,
  };
}

const delegateRoute = (operationId: string, path: string) =>
  defineRoute("operator", {
    method: "post",
    path,
    operationId,
    tags: TAGS,
    summary: "Hand a sub-task to another agent and wait for its answer (depth-limited, budget-checked)",
    request: { body: jsonBody(DelegateRequestSchema) },
    responses: {
      200: jsonContent(DelegateAnswerSchema, "The other agent's answer"),
      ...errorResponses(400, 402, 404, 409, 422, 501, 502, 504),
    },
  });

function delegateRouter(operationId: string, path: string) {
  return createRouter().openapi(delegateRoute(operationId, path), async (c) => {
    const services = c.get("services");
    const delegation = requireCapability(services, "delegation");
    const body = c.req.valid("json");
    // Checked like every workspace_path (absolute, existing, inside workdir_roots) before anything runs.
    const workspacePath =
      body.workspace_path === undefined
        ? undefined
        : await resolveWorkspacePath(services, body.workspace_path);
    const record = await delegation.delegate({
      agentId: either(body.agent_id, body.delegateAgent)!,
      task: either(body.task, body.query)!,
      parentSessionKey: either(body.parent_session_key, body.parentSessionKey),
      parentRunId: body.parent_run_id,
      channel: body.channel,
      inheritContext: either(body.inherit_context, body.inheritContext),
      sessionId: body.session_id,
      workdir: body.workdir,
      workspacePath,
      workdirRoots: c.get("gatewayConfig").workdirRoots,
    });
    return c.json(delegationAnswer(record), 200);
  });
}

/** Mounted at `/agent`: OpenVesper's `POST /agent/delegate`. */
export const agentDelegateRouter = delegateRouter("delegateToAgent", "/delegate");

/** Mounted at `/api/delegations`: delegate, and the recent delegations. */
export const delegationsRouter = delegateRouter("createDelegation", "/").openapi(
  defineRoute("viewer", {
    method: "get",
    path: "/",
    operationId: "listDelegations",
    tags: TAGS,
    summary: "Recent delegations, newest first (from HTTP callers and from inside runs)",
    request: { query: z.object({ limit: limitQuery(50) }) },
    responses: {
      200: jsonContent(z.object({ delegations: z.array(DelegationSchema) }), "Recent delegations"),
      ...errorResponses(501),
    },
  }),
  async (c) => {
    const delegation = requireCapability(c.get("services"), "delegation");
    return c.json({ delegations: await delegation.list(c.req.valid("query").limit ?? 50) }, 200);
  },
);
