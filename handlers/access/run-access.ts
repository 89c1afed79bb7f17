import type { Context } from "hono";
import type { AppEnv, Services } from "../context.js";
import { ApiError } from "../errors.js";
import { decisionView } from "./access.js";
import { accessStores } from "./access-requests.js";

/**
 * Checks a run started over the API against the access rules (`api_key` is the caller's key name,
 * absent in no-key mode): a denial is a 403 naming the rule that decided, before anything starts.
 */
export function assertRunAllowed(c: Context<AppEnv>, agentId: string): Promise<void> {
  return checkRunAccess(c.get("services"), c.get("keyName"), agentId);
}

/** The same check for runs started over a WebSocket or ACP connection (its key is the handshake's). */
export async function checkRunAccess(
  services: Services,
  apiKey: string | undefined,
  agentId: string,
): Promise<void> {
  const decision = await accessStores(services).access.check({
    agent_id: agentId,
    ...(apiKey ? { api_key: apiKey } : {}),
  });
  if (decision && !decision.allowed) {
    const view = decisionView(decision);
    throw new ApiError(403, "ACCESS_DENIED", `agent '${agentId}': ${decision.reason}`, {
      agent_id: agentId,
      ...(apiKey ? { api_key: apiKey } : {}),
      rule: view.rule,
      index: view.index,
    });
  }
}
