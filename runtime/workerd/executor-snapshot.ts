import type { Storage } from "unstorage";
import { z } from "zod";
import type { ExecutorCatalog, ExecutorInfo } from "../../handlers/capabilities/executors.js";
import { notFound, notSupported } from "../../storage/errors.js";
import { EXECUTOR_IDS, type ExecutorId } from "../../storage/executor-types.js";
import { EDGE_KEYS, readPublished } from "./manifest.js";

const ExecutorInfoSchema = z.object({
  id: z.enum(EXECUTOR_IDS),
  name: z.string(),
  availability: z.object({
    type: z.enum(["LOGIN_DETECTED", "INSTALLATION_FOUND", "NOT_INSTALLED"]),
    last_auth_timestamp: z.number().optional(),
  }),
  supports_mcp: z.boolean(),
  capabilities: z.array(z.string()),
  features: z.array(z.string()),
  has_workspace_config: z.boolean(),
  workspace_path: z.string(),
  workspace_config_path: z.string().optional(),
  global_config_path: z.string(),
  mcp_server_count: z.number().int(),
  skill_count: z.number().int(),
  command: z.string().optional(),
});

/** `edge:executors`: the local gateway's executor probe, per published workspace, at publish time. */
export const ExecutorSnapshotSchema = z.object({
  probed_at: z.string(),
  workspaces: z.record(z.string(), z.array(ExecutorInfoSchema)),
});

export type ExecutorSnapshot = z.infer<typeof ExecutorSnapshotSchema>;

/**
 * Executors at the edge: there are no binaries or credential files to probe there, so the catalog serves
 * what the publish command probed on the local machine. Without a snapshot the routes answer 501.
 */
export class PublishedExecutorCatalog implements ExecutorCatalog {
  constructor(private readonly kv: Storage) {}

  async list(workspacePath: string): Promise<ExecutorInfo[]> {
    const snapshot = await readPublished(this.kv, EDGE_KEYS.executors, ExecutorSnapshotSchema);
    const list = snapshot?.workspaces[workspacePath];
    if (!list) {
      throw notSupported(
        `executors are not probed at the edge and no snapshot for '${workspacePath}' was published (npm run publish:edge)`,
      );
    }
    return list;
  }

  async get(id: ExecutorId, workspacePath: string): Promise<ExecutorInfo> {
    const found = (await this.list(workspacePath)).find((e) => e.id === id);
    if (!found) throw notFound("EXECUTOR_NOT_FOUND", `unknown executor '${id}'`, { executor_id: id });
    return found;
  }
}
