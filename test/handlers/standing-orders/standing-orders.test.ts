import { describe, expect, it } from "vitest";
import { StandingOrderRepository } from "../../../storage/standing-orders.js";
import { createTestApp, json, jsonRequest } from "../../helpers/app.js";

type Json = Record<string, unknown>;

function setup() {
  const t = createTestApp();
  const send = (method: string, path: string, body?: unknown) =>
    t.app.request(path, body === undefined ? { method } : jsonRequest(method, body));
  return { ...t, send, orders: new StandingOrderRepository(t.scopes.global()) };
}

describe("/standing-orders and /api/standing-orders", () => {
  it("refuses bad bodies with a 400 naming the field, and writes nothing", async () => {
    const { send, orders } = setup();
    const cases: [unknown, string][] = [
      [{}, "rule"],
      [{ rule: "   " }, "rule"],
      [{ rule: "x", kind: "wish" }, "kind"],
      [{ rule: "x", agent: "../etc" }, "agent"],
      [{ rule: 5 }, "rule"],
    ];
    for (const path of ["/standing-orders", "/api/standing-orders"]) {
      for (const [body, field] of cases) {
        const res = await send("POST", path, body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect((await json(res)).error as string, JSON.stringify(body)).toContain(field);
      }
    }
    expect(await orders.list()).toEqual([]);
  });

  it("adds, lists by agent, toggles and removes orders in OpenVesper's shapes", async () => {
    const { send, orders } = setup();
    const res = await send("POST", "/standing-orders", {
      kind: "constraint",
      agent: "writer",
      rule: "Always answer in French",
    });
    expect(res.status).toBe(200);
    const order = await json(res);
    expect(order).toMatchObject({ kind: "constraint", agent: "writer", enabled: true, fireCount: 0 });
    expect(order.id).toMatch(/^so_/);
    // Our home: 201, every agent by default.
    const all = await send("POST", "/api/standing-orders", { rule: "Never push to main" });
    expect(all.status).toBe(201);
    expect(await json(all)).toMatchObject({ agent: "*", kind: "constraint" });

    const forWriter = await json<Json[]>(await send("GET", "/standing-orders?agent=writer"));
    expect(forWriter.map((o) => o.rule)).toEqual(["Always answer in French", "Never push to main"]);
    const forOther = await json<Json[]>(await send("GET", "/standing-orders?agent=coder"));
    expect(forOther.map((o) => o.rule)).toEqual(["Never push to main"]);
    expect(await orders.instructionsFor("writer")).toContain("- Always answer in French");

    const off = await json(await send("POST", `/standing-orders/${order.id}/toggle`));
    expect(off.enabled).toBe(false);
    expect(await orders.instructionsFor("writer")).not.toContain("French");
    expect(await json<Json[]>(await send("GET", "/standing-orders?enabled=false"))).toHaveLength(1);
    // An explicit state is kept, however often it is sent.
    const on = await send("POST", `/api/standing-orders/${order.id}/toggle`, { enabled: true });
    expect(await json(on)).toMatchObject({ enabled: true });
    expect(
      await json(await send("POST", `/api/standing-orders/${order.id}/toggle`, { enabled: true })),
    ).toMatchObject({ enabled: true });

    const listed = await json(await send("GET", "/api/standing-orders"));
    expect(listed.total).toBe(2);

    expect(await json(await send("DELETE", `/standing-orders/${order.id}`))).toEqual({ removed: true });
    const again = await send("DELETE", `/api/standing-orders/${order.id}`);
    expect(again.status).toBe(404);
    expect((await json(again)).code).toBe("STANDING_ORDER_NOT_FOUND");
    expect((await send("POST", "/standing-orders/nope/toggle")).status).toBe(404);
  });

  it("keeps what a user wrote by hand in standing-orders.yaml", async () => {
    const { send, scopes } = setup();
    await scopes
      .global()
      .store.writeRaw(
        "standing-orders.yaml",
        "# my rules\nnote: kept\norders:\n  - id: so_hand\n    kind: constraint\n    agent: '*'\n    rule: Be brief\n    createdAt: 1\n    enabled: true\n",
      );
    await send("POST", "/standing-orders", { rule: "Cite sources" });
    await send("POST", "/standing-orders/so_hand/toggle");
    const text = (await scopes.global().store.readRaw("standing-orders.yaml")) ?? "";
    expect(text).toContain("# my rules");
    expect(text).toContain("note: kept");
    const listed = await json<Json[]>(await send("GET", "/standing-orders"));
    expect(listed.map((o) => [o.rule, o.enabled])).toEqual([
      ["Be brief", false],
      ["Cite sources", true],
    ]);
  });
});
