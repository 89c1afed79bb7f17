import type { Context } from "hono";
import type { TerminalService } from "../capabilities.js";
import type { AppEnv, Services } from "../context.js";
import { ApiError } from "../errors.js";
import { gatewayRoots, resolveAllowedDirectory } from "./allowed-directory.js";
import { normalizeAbsolutePath } from "./paths.js";

/**
 * The terminal capability, or 501 where the runtime has no PTYs (Workers) or the machine's PTY module
 * cannot load (then the message says why).
 */
export async function requireTerminals(services: Services): Promise<TerminalService> {
  if (!services.terminals) {
    throw new ApiError(
      501,
      "NOT_SUPPORTED_IN_RUNTIME",
      `terminals are not available on ${services.runtime}`,
      { runtime: services.runtime },
    );
  }
  await services.terminals.ensureAvailable();
  return services.terminals;
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
