import { z } from "@hono/zod-openapi";
import { DomainError } from "../../storage/errors.js";
import { redactRecord } from "../../storage/rules/redact.js";
import { workspaceNotFound } from "../../storage/workspaces.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import {
  NameParam,
  RegisterWorkspaceSchema,
  registeredViews,
  registerWorkspace,
  registry,
  UpdateWorkspaceSchema,
} from "./workspace-requests.js";
import {
  activityByPath,
  GLOBAL_WORKSPACE_ID,
  globalWorkspaceView,
  WorkspaceSchema,
  workspaceView,
} from "./workspace-views.js";

const TAGS = ["Workspaces"];

/** The home directory's workspace is not in the registry: it can be neither changed nor removed. */
function refuseGlobal(name: string, code: string, message: string): void {
  if (name === GLOBAL_WORKSPACE_ID) throw new DomainError("conflict", code, message, { name });
}

/**
 * /api/workspaces: named projects. Registering one (admin) makes its path an allowed root for workspace
 * data and run workdirs and lets its name stand for `workspace_path`; removing it narrows the roots again.
 * The list starts with the home directory's global workspace, as the original Viben's does.
 */
export const workspacesRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listWorkspaces",
      tags: TAGS,
      summary: "The global workspace and every registered one, with recent activity",
      responses: {
        200: jsonContent(
          z.object({
            workspaces: z.array(WorkspaceSchema),
            total: z.number().int(),
            active_workspace_id: z.string().nullable(),
          }),
          "Workspaces, the global one first",
        ),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const registered = await registeredViews(services);
      const home = services.scopes.home;
      const global = globalWorkspaceView(home, (await activityByPath(services, [home])).get(home));
      return c.json(
        { workspaces: [global, ...registered], total: registered.length + 1, active_workspace_id: null },
        200,
      );
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "post",
      path: "/",
      operationId: "registerWorkspace",
      tags: TAGS,
      summary: "Register a project by name (widens the allowed roots to its path)",
      request: { body: jsonBody(RegisterWorkspaceSchema) },
      responses: {
        201: jsonContent(WorkspaceSchema, "The registered workspace"),
        ...errorResponses(400, 409),
      },
    }),
    async (c) => c.json(await registerWorkspace(c.get("services"), c.req.valid("json")), 201),
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{name}",
      operationId: "getWorkspace",
      tags: TAGS,
      summary: "One workspace by name (`global` for the home directory)",
      request: { params: NameParam },
      responses: { 200: jsonContent(WorkspaceSchema, "The workspace"), ...errorResponses(404) },
    }),
    async (c) => {
      const services = c.get("services");
      const { name } = c.req.valid("param");
      if (name === GLOBAL_WORKSPACE_ID) {
        const home = services.scopes.home;
        return c.json(globalWorkspaceView(home, (await activityByPath(services, [home])).get(home)), 200);
      }
      const workspace = await registry(services).get(name);
      return c.json(
        workspaceView(workspace, (await activityByPath(services, [workspace.path])).get(workspace.path)),
        200,
      );
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "patch",
      path: "/{name}",
      operationId: "updateWorkspace",
      tags: TAGS,
      summary: "Change a workspace's path or environment (env replaced; `***` keeps a stored secret)",
      request: { params: NameParam, body: jsonBody(UpdateWorkspaceSchema) },
      responses: { 200: jsonContent(WorkspaceSchema, "The workspace"), ...errorResponses(400, 404, 409) },
    }),
    async (c) => {
      const services = c.get("services");
      const { name } = c.req.valid("param");
      refuseGlobal(name, "WORKSPACE_NOT_EDITABLE", "the global workspace is the home directory");
      const updated = await registry(services).update(name, c.req.valid("json"), services.paths);
      return c.json(
        workspaceView(updated, (await activityByPath(services, [updated.path])).get(updated.path)),
        200,
      );
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "delete",
      path: "/{name}",
      operationId: "deleteWorkspace",
      tags: TAGS,
      summary: "Unregister a workspace (narrows the allowed roots again; the directory is left alone)",
      request: { params: NameParam },
      responses: {
        200: jsonContent(
          z.object({ success: z.boolean(), removed: z.boolean(), name: z.string(), path: z.string() }),
          "Removed from the registry",
        ),
        ...errorResponses(404, 409),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { name } = c.req.valid("param");
      refuseGlobal(name, "WORKSPACE_NOT_REMOVABLE", "the global workspace cannot be removed");
      const workspace = await registry(services).get(name);
      if (!(await registry(services).remove(name))) throw workspaceNotFound(name);
      return c.json({ success: true, removed: true, name, path: workspace.path }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "get",
      path: "/{name}/env",
      operationId: "getWorkspaceEnv",
      tags: TAGS,
      summary: "A workspace's environment, secrets redacted",
      request: { params: NameParam },
      responses: {
        200: jsonContent(
          z.object({ name: z.string(), env: z.record(z.string(), z.string()) }),
          "Values redacted unless `${VAR}` references",
        ),
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const workspace = await registry(c.get("services")).get(name);
      return c.json({ name, env: (redactRecord(workspace.env) ?? {}) as Record<string, string> }, 200);
    },
  );
