import { z } from "@hono/zod-openapi";
import { canonicalExecutorId } from "../../storage/executor-types.js";
import { resolveWorkspace } from "../../storage/rules/workspace.js";
import { ExecutorAvailabilitySchema, type ExecutorInfo } from "../capabilities/executors.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent, WorkspaceQuerySchema } from "../lib/schemas.js";

const ExecutorSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    availability: ExecutorAvailabilitySchema,
    supports_mcp: z.boolean(),
    capabilities: z.array(z.string()),
    has_workspace_config: z.boolean(),
    workspace_path: z.string(),
    workspace_config_path: z.string().optional(),
    global_config_path: z.string().optional(),
    mcp_server_count: z.number().int(),
    skill_count: z.number().int(),
    source: z.enum(["global", "workspace"]),
  })
  .openapi("Executor");

/** The public shape of an executor; global paths are left out when the listing excludes the global scope. */
function executorView(e: ExecutorInfo, isHome: boolean, withGlobalPath: boolean) {
  return {
    id: e.id,
    name: e.name,
    availability: e.availability,
    supports_mcp: e.supports_mcp,
    capabilities: e.capabilities,
    has_workspace_config: e.has_workspace_config,
    workspace_path: e.workspace_path,
    workspace_config_path: e.workspace_config_path,
    global_config_path: withGlobalPath ? e.global_config_path : undefined,
    mcp_server_count: e.mcp_server_count,
    skill_count: e.skill_count,
    source: e.has_workspace_config && !isHome ? ("workspace" as const) : ("global" as const),
  };
}

/**
 * /api/executors: every known executor with its availability and config paths. IDE configurations found
 * in the workspace (.claude/, .cursor/, …) belong to it. With include_global=false only executors that
 * have a workspace configuration are listed, and without their global paths.
 */
export const executorsRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listExecutors",
      tags: ["Executors"],
      summary: "List executors with availability and config locations",
      request: { query: WorkspaceQuerySchema },
      responses: {
        200: jsonContent(
          z.object({ workspace_path: z.string(), executors: z.array(ExecutorSchema), total: z.number() }),
          "Executors",
        ),
        ...errorResponses(400, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const catalog = requireCapability(services, "executors");
      const ws = await resolveWorkspace(services, c.req.valid("query"));
      const all = await catalog.list(ws.workspacePath);
      const isHome = ws.scope.kind === "global";
      const executors = all
        .filter((e) => ws.includeGlobal || isHome || e.has_workspace_config)
        .map((e) => executorView(e, isHome, ws.includeGlobal || isHome));
      return c.json({ workspace_path: ws.workspacePath, executors, total: executors.length }, 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}",
      operationId: "getExecutor",
      tags: ["Executors"],
      summary: "Get one executor",
      request: {
        params: z.object({
          id: z.string().openapi({ param: { name: "id", in: "path" }, example: "CLAUDE_CODE" }),
        }),
        query: WorkspaceQuerySchema.pick({ workspace_path: true }),
      },
      responses: { 200: jsonContent(ExecutorSchema, "The executor"), ...errorResponses(400, 404, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const catalog = requireCapability(services, "executors");
      const { id } = c.req.valid("param");
      const executorId = canonicalExecutorId(id);
      if (!executorId)
        throw new ApiError(404, "EXECUTOR_NOT_FOUND", `unknown executor '${id}'`, { executor_id: id });
      const ws = await resolveWorkspace(services, c.req.valid("query"));
      const e = await catalog.get(executorId, ws.workspacePath);
      const isHome = ws.scope.kind === "global";
      return c.json(executorView(e, isHome, true), 200);
    },
  );
