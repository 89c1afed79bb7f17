import { z } from "@hono/zod-openapi";
import type { ExecutorId } from "../../storage/executor-types.js";

/** Whether an executor CLI is installed here, and logged in (`last_auth_timestamp`: Unix seconds). */
export const ExecutorAvailabilitySchema = z.object({
  type: z.enum(["LOGIN_DETECTED", "INSTALLATION_FOUND", "NOT_INSTALLED"]),
  last_auth_timestamp: z.number().optional(),
});

export type ExecutorAvailability = z.infer<typeof ExecutorAvailabilitySchema>;

export interface ExecutorInfo {
  id: ExecutorId;
  name: string;
  availability: ExecutorAvailability;
  supports_mcp: boolean;
  capabilities: string[];
  features: string[];
  has_workspace_config: boolean;
  workspace_path: string;
  workspace_config_path?: string;
  global_config_path: string;
  /** MCP servers and skills found in the executor's own configuration files (global + workspace). */
  mcp_server_count: number;
  skill_count: number;
  /** The command that would be run, when the binary was found. */
  command?: string;
}

export interface ExecutorCatalog {
  /** Every known executor, probed for the given workspace. */
  list(workspacePath: string): Promise<ExecutorInfo[]>;
  get(id: ExecutorId, workspacePath: string): Promise<ExecutorInfo>;
}
