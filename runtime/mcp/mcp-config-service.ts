import type { McpConfigService } from "../../handlers/capabilities/mcp-config.js";
import type { Scope } from "../../storage/scopes.js";
import type { EnvRecord } from "../executors/locations.js";
import type { ProcessFamily } from "../runs/process-cookie.js";
import { ExecutorMcpConfig } from "./executor-mcp-config.js";
import { createMcpTester } from "./mcp-test.js";

export interface McpConfigServiceOptions {
  home: string;
  env: EnvRecord;
  globalScope: Scope;
  /** The cookie family a test's server process runs in. */
  family: (id: string) => ProcessFamily;
}

/** The Node side of /api/mcp: executors' config files and live tests (the SDK loads on the first test). */
export function createMcpConfigService(options: McpConfigServiceOptions): McpConfigService {
  const files = new ExecutorMcpConfig(options);
  const test = createMcpTester({ env: options.env, family: options.family });
  return {
    listExecutorServers: (ref) => files.list(ref),
    addExecutorServer: (ref, name, server) => files.add(ref, name, server),
    updateExecutorServer: (ref, name, patch) => files.update(ref, name, patch),
    removeExecutorServer: (ref, name) => files.remove(ref, name),
    test,
  };
}
