import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../runtime/node/server.js";
import { type RedisGateways, startRedisGateways } from "../helpers/redis-gateways.js";
import { isGone, openTerminal, type TerminalClient, wsUrl } from "../helpers/terminal-client.js";

/** Terminals stay on their instance: the others tell a reattaching client where, and pass on a kill. */
describe("terminals across two instances on one Redis", () => {
  let setup: RedisGateways;
  let gateways: RunningGateway[];
  const clients: TerminalClient[] = [];

  beforeAll(async () => {
    setup = await startRedisGateways("terminals", 2);
    gateways = setup.gateways;
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await setup?.close();
  });

  it("points a reattach on B to A's /terminal/ws, and kills A's terminal through B", async () => {
    const [a, b] = gateways as [RunningGateway, RunningGateway];
    const onA = await openTerminal(wsUrl(a.url));
    clients.push(onA);
    const { terminal_id, pid } = await onA.init({
      cwd: join(setup.homes[0]!, "project"),
      cols: 80,
      rows: 24,
    });
    await onA.close();

    const onB = await openTerminal(wsUrl(b.url));
    clients.push(onB);
    onB.send({ type: "init", terminal_id, cols: 80, rows: 24 });
    const pointed = await onB.waitFor((frame) => frame.type === "error");
    expect(pointed).toMatchObject({
      code: "TERMINAL_ON_ANOTHER_INSTANCE",
      terminal_id,
      instance_id: "terminals-0",
      url: wsUrl(a.url),
    });
    // Where it points, the terminal is there to reattach.
    const again = await openTerminal(pointed.url as string);
    clients.push(again);
    expect(await again.init({ terminal_id, cols: 80, rows: 24 })).toEqual({ terminal_id, pid });
    await again.close();

    const killed = await fetch(`${b.url}/api/terminals/${terminal_id}`, { method: "DELETE" });
    expect(killed.status).toBe(200);
    expect(await killed.json()).toMatchObject({ success: true, id: terminal_id });
    expect(isGone(pid)).toBe(true);
    const unknown = await fetch(`${b.url}/api/terminals/no-such-terminal`, { method: "DELETE" });
    expect(unknown.status).toBe(404);
  });
});
