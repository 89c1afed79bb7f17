import type { Logger } from "../../handlers/capabilities/logger.js";
import type { TerminalService } from "../../handlers/capabilities/terminals.js";
import type { TerminalOwners } from "../../storage/run-owners.js";
import type { MultiInstance } from "./multi-instance.js";

/** How long a terminal's instance is remembered without being killed here (it may end by itself). */
const OWNER_TTL_MS = 24 * 3600 * 1000;

/**
 * Terminals stay on the instance that opened them (their PTY is a local process). Each terminal's instance
 * is recorded in `<prefix>:terminals:owner:<id>`, so another instance can pass on a request for it
 * (`/api/terminals/:id`) or tell a client reattaching there where the terminal lives.
 */
export function redisTerminalOwners(
  multi: MultiInstance,
  terminals: TerminalService,
  logger: Logger,
): { terminals: TerminalService; owners: TerminalOwners } {
  const redis = multi.redis;
  const keyOf = (id: string) => redis.key("terminals", "owner", id);
  const wrapped: TerminalService = {
    ensureAvailable: () => terminals.ensureAvailable(),
    async open(request, listener) {
      const attachment = await terminals.open(request, listener);
      await redis.client
        .set(keyOf(attachment.terminalId), multi.instanceId, "PX", OWNER_TTL_MS)
        .catch((error: Error) =>
          logger.warn({
            msg: "terminal owner not recorded",
            terminal_id: attachment.terminalId,
            error: error.message,
          }),
        );
      return attachment;
    },
    attach: (id, listener, client) => terminals.attach(id, listener, client),
    get: (id) => terminals.get(id),
    list: () => terminals.list(),
    async kill(id) {
      const exit = await terminals.kill(id);
      if (exit) await multi.releaseMark(keyOf(id)).catch(() => undefined);
      return exit;
    },
  };
  return {
    terminals: wrapped,
    owners: {
      async whereIs(id) {
        const holder = await redis.client.get(keyOf(id));
        if (!holder || holder === multi.instanceId) return undefined;
        const url = await multi.urlOf(holder);
        return url ? { instanceId: holder, url } : undefined;
      },
    },
  };
}
