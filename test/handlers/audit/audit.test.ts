import { describe, expect, it } from "vitest";
import { AuditLog } from "../../../storage/audit-log.js";
import { createTestApp, json, jsonRequest } from "../../helpers/app.js";

interface Entry {
  id: string;
  ts: string;
  actor: string;
  action: string;
  resource?: string;
  outcome?: string;
  details?: Record<string, unknown>;
  event: { kind: string };
  timestamp: number;
}
interface Page {
  entries: Entry[];
  count: number;
  next_cursor?: string;
}

const VIEWER = { authorization: "Bearer viewer-secret-0123456789" };

function setup(start = "2026-12-02T10:00:00.000Z") {
  let now = new Date(start);
  const clock = {
    now: () => now,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
  let audit: AuditLog | undefined;
  const testApp = createTestApp({
    now: clock.now,
    extend: ({ log }) => {
      audit = new AuditLog({ log, now: clock.now });
      return { audit };
    },
  });
  return { ...testApp, clock, audit: audit! };
}

async function withKeys(scopes: ReturnType<typeof setup>["scopes"]) {
  await scopes
    .global()
    .store.writeRaw(
      "gateway.yaml",
      "api_keys:\n  - { name: ops, key: admin-secret-0123456789, role: admin }\n  - { name: dash, key: viewer-secret-0123456789, role: viewer }\n",
    );
}

describe("audit trail", () => {
  it("records mutating calls with route template, status and actor, never GETs", async () => {
    const { app } = setup();
    await app.request("/api/agent");
    const created = await app.request("/api/agent", jsonRequest("POST", { id: "helper", name: "Helper" }));
    expect(created.status).toBeLessThan(300);
    await app.request("/api/agent/helper", { method: "DELETE" });
    const page = await json<Page>(await app.request("/api/audit"));
    expect(page.entries.map((e) => e.action)).toEqual(["api.delete", "api.post"]);
    const del = page.entries[0]!;
    expect(del).toMatchObject({
      actor: "local",
      resource: "/api/agent/helper",
      outcome: "ok",
      event: { kind: "api.delete" },
    });
    expect(del.details).toMatchObject({
      method: "DELETE",
      route: "/api/agent/:id",
      status: del.details?.status,
    });
    expect(typeof del.timestamp).toBe("number");
  });

  it("names the key (never the secret), records failed auth, and coalesces key use per minute", async () => {
    const { app, scopes, clock } = setup();
    await withKeys(scopes);
    expect((await app.request("/api/agent", { headers: { authorization: "Bearer wrong" } })).status).toBe(
      401,
    );
    for (let i = 0; i < 5; i++) await app.request("/api/agent", { headers: VIEWER });
    clock.advance(61_000);
    await app.request("/api/agent", { headers: VIEWER });
    await app.request("/api/agent", jsonRequest("POST", { id: "x", name: "X" }, VIEWER));
    const page = await json<Page>(await app.request("/api/audit?limit=50", { headers: VIEWER }));
    const text = JSON.stringify(page);
    expect(text).not.toContain("viewer-secret");
    expect(text).not.toContain("admin-secret");
    expect(page.entries.filter((e) => e.action === "key.used" && e.actor === "dash")).toHaveLength(2);
    expect(page.entries.find((e) => e.action === "auth.failed")).toMatchObject({
      actor: "anonymous",
      outcome: "denied",
      details: { code: "UNAUTHORIZED", status: 401 },
    });
    expect(page.entries.find((e) => e.action === "auth.forbidden")).toMatchObject({
      actor: "dash",
      details: { code: "FORBIDDEN_ROLE" },
    });
  });

  it("filters by actor, action family, resource and time, and pages with a cursor", async () => {
    const { app, clock, audit } = setup();
    for (let i = 0; i < 5; i++) {
      audit.record({
        actor: i % 2 ? "ops" : "dash",
        action: i % 2 ? "key.create" : "config.update",
        resource: `/api/keys/k${i}`,
      });
      clock.advance(1000);
    }
    // Another day.
    clock.advance(24 * 3600_000);
    audit.record({ actor: "ops", action: "key.revoke", resource: "/api/keys/k9" });
    const byActor = await json<Page>(await app.request("/api/audit?actor=ops"));
    expect(byActor.entries.map((e) => e.action)).toEqual(["key.revoke", "key.create", "key.create"]);
    const family = await json<Page>(await app.request("/api/audit?action=key"));
    expect(family.entries).toHaveLength(3);
    const resource = await json<Page>(await app.request("/api/audit?resource=/api/keys/k1"));
    expect(resource.entries.map((e) => e.resource)).toEqual(["/api/keys/k1"]);
    const day = await json<Page>(await app.request("/api/audit?date=2026-12-02"));
    expect(day.entries).toHaveLength(5);
    const range = await json<Page>(
      await app.request("/api/audit?from=2026-12-02T10:00:01Z&to=2026-12-02T10:00:03Z"),
    );
    expect(range.entries).toHaveLength(3);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page: Page = await json<Page>(
        await app.request(`/api/audit?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`),
      );
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries.map((e) => e.resource ?? ""));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([
      "/api/keys/k9",
      "/api/keys/k4",
      "/api/keys/k3",
      "/api/keys/k2",
      "/api/keys/k1",
      "/api/keys/k0",
    ]);
  });

  it("answers OpenVesper's shapes at /audit, /audit/stats and /audit/dates", async () => {
    const { app, audit } = setup();
    audit.record({ actor: "ops", action: "key.create", outcome: "ok" });
    audit.record({ actor: "ops", action: "key.revoke", outcome: "ok" });
    const list = await json<Entry[]>(await app.request("/audit"));
    expect(list.map((e) => e.action)).toEqual(["key.create", "key.revoke"]);
    expect(await json(await app.request("/audit/dates"))).toEqual(["2026-12-02"]);
    expect(await json(await app.request("/api/audit/dates"))).toEqual({ dates: ["2026-12-02"] });
    const stats = await json(await app.request("/audit/stats"));
    expect(stats).toMatchObject({
      date: "2026-12-02",
      total: 2,
      byKind: { "key.create": 1, "key.revoke": 1 },
      by_actor: { ops: 2 },
      by_outcome: { ok: 2 },
    });
  });

  it("refuses bad filters and cursors with a 400 naming the field", async () => {
    const { app } = setup();
    const bad = await app.request("/api/audit?from=yesterday");
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("from");
    const cursor = await app.request("/api/audit?cursor=zzz");
    expect(cursor.status).toBe(400);
    expect(await json(cursor)).toMatchObject({ details: { field: "cursor" } });
    expect((await app.request("/api/audit?limit=0")).status).toBe(400);
  });

  it("answers 501 without an audit trail", async () => {
    const { app } = createTestApp();
    expect((await app.request("/api/audit")).status).toBe(501);
  });
});
