import type { Context } from "hono";
import { gatewayRoots, resolveAllowedDirectory } from "../../storage/rules/allowed-directory.js";
import { normalizeAbsolutePath } from "../../storage/rules/paths.js";
import type { TerminalService } from "../capabilities/terminals.js";
import type { AppEnv, Services } from "../context.js";
import { requireCapability } from "../lib/capability-guard.js";

/**
 * The terminal capability, or 501 where the runtime has no PTYs (Workers) or the machine's PTY module
 * cannot load (then the message says why).
 */
export async function requireTerminals(services: Services): Promise<TerminalService> {
  const terminals = requireCapability(services, "terminals");
  await terminals.ensureAvailable();
  return terminals;
}

/** Whom the per-client terminal limit counts: the API key's name, or the remote address without keys. */
export function terminalClient(c: Context<AppEnv>): string {
  const keyName = c.get("keyName");
  if (keyName) return `key:${keyName}`;
  return `addr:${c.get("services").remoteAddress?.(c) ?? "local"}`;
}

/**
 * A terminal's working directory, under the same rules as a run's workdir: absolute, existing, and
 * (symbolic links resolved) inside the home directory or gateway.yaml `workdir_roots`.
 */
export async function resolveTerminalCwd(
  services: Services,
  raw: string | undefined,
  configuredRoots: string[] | undefined,
): Promise<string> {
  const roots = gatewayRoots(services, configuredRoots);
  if (raw === undefined) return normalizeAbsolutePath(roots[0]!);
  return resolveAllowedDirectory(services, raw, { field: "cwd", roots });
}
