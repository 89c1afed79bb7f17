import { z } from "@hono/zod-openapi";
import { redactRecord } from "../../storage/rules/redact.js";
import type { SessionSummary } from "../../storage/session-summaries.js";
import { sessionSummariesFor } from "../../storage/session-summaries.js";
import type { RegisteredWorkspace } from "../../storage/workspaces.js";
import type { Services } from "../context.js";

export const GLOBAL_WORKSPACE_ID = "global";

export const WorkspaceSchema = z
  .object({
    id: z.string().openapi({ description: "The name (`global` for the home directory)" }),
    name: z.string(),
    path: z.string(),
    type: z
      .enum(["global", "custom"])
      .openapi({ description: "global: the home directory; custom: registered" }),
    env: z
      .record(z.string(), z.string())
      .openapi({ description: "Values redacted unless `${VAR}` references" }),
    config_path: z
      .string()
      .openapi({ description: "Where the workspace's own data lives (`<path>/.viben`)" }),
    git_repo_path: z.string(),
    created_at: z.string().nullable(),
    updated_at: z.string().nullable(),
    last_activity: z
      .string()
      .nullable()
      .openapi({ description: "The newest session activity in the workspace" }),
    session_count: z
      .number()
      .int()
      .openapi({ description: "Sessions of the workspace's agents or run in it" }),
  })
  .openapi("Workspace");

export type WorkspaceView = z.infer<typeof WorkspaceSchema>;

const within = (path: string, root: string) =>
  path === root || path.startsWith(root.endsWith("/") ? root : `${root}/`);

/** Recent activity per workspace path, from the cached session summaries (no transcript is read). */
export async function activityByPath(services: Services, paths: string[]) {
  const out = new Map<string, { last_activity: string | null; session_count: number }>();
  const summaries: readonly SessionSummary[] = services.sessions
    ? await sessionSummariesFor(services.scopes.global(), services.sessions).list()
    : [];
  for (const path of paths) {
    let last: string | null = null;
    let count = 0;
    for (const { record } of summaries) {
      const inside =
        path === services.scopes.home
          ? record.workspace_path === path
          : record.workspace_path === path || within(record.workdir, path);
      if (!inside) continue;
      count += 1;
      if (last === null || record.last_activity > last) last = record.last_activity;
    }
    out.set(path, { last_activity: last, session_count: count });
  }
  return out;
}

export function workspaceView(
  workspace: RegisteredWorkspace,
  activity: { last_activity: string | null; session_count: number } | undefined,
): WorkspaceView {
  const base = workspace.path.replace(/\/+$/, "");
  return {
    id: workspace.name,
    name: workspace.name,
    path: workspace.path,
    type: "custom",
    env: (redactRecord(workspace.env) ?? {}) as Record<string, string>,
    config_path: `${base}/.viben`,
    git_repo_path: `${base}/.git`,
    created_at: workspace.created_at ?? null,
    updated_at: workspace.updated_at ?? null,
    last_activity: activity?.last_activity ?? null,
    session_count: activity?.session_count ?? 0,
  };
}

/** The home directory as the original Viben lists it first: the global workspace, never registered. */
export function globalWorkspaceView(
  home: string,
  activity: { last_activity: string | null; session_count: number } | undefined,
): WorkspaceView {
  return {
    ...workspaceView({ name: GLOBAL_WORKSPACE_ID, path: home, env: {} }, activity),
    name: "Global",
    type: "global",
  };
}
