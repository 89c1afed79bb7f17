import { z } from "@hono/zod-openapi";
import { redactRecord } from "../../storage/rules/redact.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import {
  NameParam,
  RegisterWorkspaceSchema,
  registeredViews,
  registerWorkspace,
  registry,
} from "./workspace-requests.js";
import { WorkspaceSchema } from "./workspace-views.js";

const TAGS = ["Workspaces"];

/**
 * OpenVesper's spellings at its literal paths (`/workspaces`): a bare array, `{removed}` on delete (false
 * for an unknown name, as OpenVesper answers) and the env map itself. Same registry and roles as /api.
 */
export const workspacesOpenVesperRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listWorkspacesOpenVesper",
      tags: TAGS,
      summary: "Registered workspaces (OpenVesper's spelling)",
      responses: { 200: jsonContent(z.array(WorkspaceSchema), "Registered workspaces") },
    }),
    async (c) => c.json(await registeredViews(c.get("services")), 200),
  )
  .openapi(
    defineRoute("admin", {
      method: "post",
      path: "/",
      operationId: "registerWorkspaceOpenVesper",
      tags: TAGS,
      summary: "Register a workspace (OpenVesper's spelling; path is required here)",
      request: { body: jsonBody(RegisterWorkspaceSchema) },
      responses: {
        200: jsonContent(WorkspaceSchema, "The registered workspace"),
        ...errorResponses(400, 409),
      },
    }),
    async (c) => c.json(await registerWorkspace(c.get("services"), c.req.valid("json")), 200),
  )
  .openapi(
    defineRoute("admin", {
      method: "delete",
      path: "/{name}",
      operationId: "deleteWorkspaceOpenVesper",
      tags: TAGS,
      summary: "Unregister a workspace (OpenVesper's spelling)",
      request: { params: NameParam },
      responses: { 200: jsonContent(z.object({ removed: z.boolean() }), "Whether an entry was removed") },
    }),
    async (c) =>
      c.json({ removed: await registry(c.get("services")).remove(c.req.valid("param").name) }, 200),
  )
  .openapi(
    defineRoute("operator", {
      method: "get",
      path: "/{name}/env",
      operationId: "getWorkspaceEnvOpenVesper",
      tags: TAGS,
      summary: "A workspace's environment, secrets redacted (OpenVesper's spelling)",
      request: { params: NameParam },
      responses: {
        200: jsonContent(z.record(z.string(), z.string()), "Values redacted unless `${VAR}` references"),
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const workspace = await registry(c.get("services")).get(c.req.valid("param").name);
      return c.json((redactRecord(workspace.env) ?? {}) as Record<string, string>, 200);
    },
  );
