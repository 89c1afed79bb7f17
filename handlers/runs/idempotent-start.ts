import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { RunIdempotency } from "../../storage/run-idempotency.js";
import type { Scope } from "../../storage/scopes.js";
import type { RunHandle } from "../capabilities/runs.js";
import type { AppEnv } from "../context.js";

/** The header as run-creating routes document it. */
export const IdempotencyHeaders = z.object({
  "idempotency-key": z.string().optional().openapi({
    description: "Same key and body: the same run again (not a second one); same key, other body: 409",
  }),
});

// One per global scope, so its per-key lock is shared by every request of the app.
const byScope = new WeakMap<Scope, RunIdempotency>();

/**
 * Starts a run, or with an `Idempotency-Key` header finds the run an earlier request with that key and
 * body started. `handle` is set when this request started it.
 */
export async function startIdempotent(
  c: Context<AppEnv>,
  body: unknown,
  start: () => Promise<RunHandle>,
): Promise<{ runId: string; handle?: RunHandle; replayed: boolean }> {
  const key = c.req.header("idempotency-key");
  if (key === undefined) {
    const handle = await start();
    return { runId: handle.runId, handle, replayed: false };
  }
  const services = c.get("services");
  const scope = services.scopes.global();
  let store = byScope.get(scope);
  if (!store) {
    store = new RunIdempotency(scope, () => services.clock.now(), services.sharedKeys);
    byScope.set(scope, store);
  }
  let handle: RunHandle | undefined;
  const caller = `${c.req.routePath}\n${c.get("keyName") ?? ""}`;
  const { runId, replayed } = await store.runFor(caller, key, body, async () => {
    handle = await start();
    return handle.runId;
  });
  return { runId, handle, replayed };
}
