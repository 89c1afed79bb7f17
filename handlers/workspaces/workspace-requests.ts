import { z } from "@hono/zod-openapi";
import { WorkspaceRegistry, workspaceNameProblem } from "../../storage/workspaces.js";
import type { Services } from "../context.js";
import { activityByPath, workspaceView } from "./workspace-views.js";

export const RegisterWorkspaceSchema = z
  .object({
    name: z.string().openapi({ description: "A name to use instead of the path (any Unicode, no `/`, `:`)" }),
    path: z
      .string()
      .optional()
      .openapi({ description: "The project's absolute path (an existing directory)" }),
    env: z
      .record(z.string(), z.string())
      .optional()
      .openapi({ description: "Environment for the workspace; write secrets as `${VAR}` references" }),
  })
  .openapi("RegisterWorkspaceRequest");

export const UpdateWorkspaceSchema = RegisterWorkspaceSchema.omit({ name: true })
  .strict()
  .openapi("UpdateWorkspaceRequest");

// A name that could not be registered (a path, `..`, separators) is refused as such, never looked up.
export const NameParam = z.object({
  name: z
    .string()
    .superRefine((name, ctx) => {
      const problem = workspaceNameProblem(name);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .openapi({ param: { name: "name", in: "path" } }),
});

export const registry = (services: Services) =>
  new WorkspaceRegistry(services.scopes.global(), () => services.clock.now());

/** Registered workspaces as answered, each with its recent activity. */
export async function registeredViews(services: Services) {
  const workspaces = await registry(services).list();
  const activity = await activityByPath(
    services,
    workspaces.map((w) => w.path),
  );
  return workspaces.map((w) => workspaceView(w, activity.get(w.path)));
}

/** Registers one (admin only): its path becomes an allowed root and its name a workspace_path. */
export async function registerWorkspace(services: Services, body: z.infer<typeof RegisterWorkspaceSchema>) {
  const created = await registry(services).register(body, services.paths);
  return workspaceView(created, (await activityByPath(services, [created.path])).get(created.path));
}
