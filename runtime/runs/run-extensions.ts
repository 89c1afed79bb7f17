import type { AgentRecord, McpServerConfig } from "../../storage/agents.js";
import type { NativeTool } from "../native/tools/native-tool.js";

/** A run as the gateway's own tools see it: which run, whose, where, and how deep in a delegation chain. */
export interface RunBinding {
  runId: string;
  sessionId: string;
  agent: AgentRecord;
  workdir: string;
  /** 0 for a run nobody delegated. */
  depth: number;
  parentRunId?: string;
}

/**
 * What the gateway adds to a run beyond the agent's own configuration (its delegation tools): MCP servers
 * for an executor CLI, tools for a native run. `released` is called once the run is over.
 */
export interface RunExtensions {
  mcpServers(run: RunBinding): Record<string, McpServerConfig> | undefined;
  nativeTools(run: RunBinding): NativeTool[];
  released(runId: string): void;
}
