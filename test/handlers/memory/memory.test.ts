import { describe, expect, it } from "vitest";
import { AgentMemory } from "../../../runtime/memory/agent-memory.js";
import { MemoryRepository } from "../../../storage/memory.js";
import { createTestApp, json, jsonRequest, silentLogger } from "../../helpers/app.js";

type Json = Record<string, unknown>;

function setup() {
  let now = Date.parse("2026-03-01T10:00:00Z");
  let repository: MemoryRepository | undefined;
  const t = createTestApp({
    extend: ({ scopes }) => {
      repository = new MemoryRepository(scopes.global());
      return { memory: new AgentMemory({ repository, logger: silentLogger, now: () => now }) };
    },
  });
  const send = (method: string, path: string, body?: unknown) =>
    t.app.request(path, body === undefined ? { method } : jsonRequest(method, body));
  const add = async (agent: string, body: Json) => {
    const res = await send("POST", `/memory/${encodeURIComponent(agent)}`, body);
    expect(res.status, await res.clone().text()).toBe(200);
    return json(res);
  };
  return { ...t, send, add, repository: repository!, advance: (ms: number) => (now += ms) };
}

describe("/memory/:agent and /api/memory/:agent", () => {
  it("refuses bad input with a 400 naming the field, and writes nothing", async () => {
    const { send } = setup();
    const cases: [string, unknown, string][] = [
      ["/memory/claude", {}, "content"],
      ["/memory/claude", { content: "  " }, "content"],
      ["/memory/claude", { content: "x", tags: "a" }, "tags"],
      ["/memory/claude", { content: "x", ttlMs: -1 }, "ttlMs"],
      ["/memory/claude/search", {}, "query"],
      ["/memory/claude/search", { query: "x", limit: 0 }, "limit"],
      ["/memory/..%2Fetc", { content: "x" }, "agent"],
    ];
    for (const [path, body, field] of cases) {
      const res = await send("POST", path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect((await json(res)).error as string).toContain(field);
    }
    expect((await send("GET", "/memory/claude/search")).status).toBe(400);
    expect(await json(await send("GET", "/memory/claude"))).toEqual([]);
  });

  it("ranks search results by relevance and keeps agents apart", async () => {
    const { add, send } = setup();
    await add("claude", { content: "The user likes green tea in the morning", tags: ["preferences"] });
    const deploy = await add("claude", {
      content: "Deploy with make deploy; the deploy target pushes to staging, then deploy to prod",
      tags: ["deploy"],
    });
    await add("claude", { content: "Staging server is staging.example.com" });
    await add("本地助手", { content: "deploy notes of another agent" });

    const found = await json<Json[]>(
      await send("POST", "/memory/claude/search", { query: "deploy staging" }),
    );
    expect(found[0]?.id).toBe(deploy.id);
    expect(found.map((e) => e.agent)).toEqual(["claude", "claude"]);
    expect(found[0]!.score as number).toBeGreaterThan(found[1]!.score as number);
    // Our spelling and ?q=, with a limit.
    const viaQuery = await json<{ results: Json[] }>(
      await send("GET", "/api/memory/claude/search?q=deploy&limit=1"),
    );
    expect(viaQuery.results.map((e) => e.id)).toEqual([deploy.id]);
    const other = await json<Json[]>(
      await send("GET", `/memory/${encodeURIComponent("本地助手")}/search?q=deploy`),
    );
    expect(other).toHaveLength(1);
    expect(await json<Json[]>(await send("POST", "/memory/claude/search", { query: "volcano" }))).toEqual([]);
    // Listing, newest first, filtered by tag.
    const tagged = await json<Json[]>(await send("GET", "/memory/claude?tag=deploy"));
    expect(tagged.map((e) => e.id)).toEqual([deploy.id]);
    expect((await json(await send("GET", "/api/memory/claude"))).total).toBe(3);
  });

  it("deletes one entry, clears all, and forgets expired entries", async () => {
    const { add, send, advance } = setup();
    const a = await add("claude", { content: "alpha fact" });
    await add("claude", { content: "beta fact", ttlMs: 60_000 });
    expect(await json(await send("DELETE", `/memory/claude/${a.id}`))).toEqual({ deleted: true });
    const again = await send("DELETE", `/memory/claude/${a.id}`);
    expect(again.status).toBe(404);
    expect((await json(again)).code).toBe("MEMORY_NOT_FOUND");
    expect(await json<Json[]>(await send("GET", "/memory/claude/search?q=alpha"))).toEqual([]);
    advance(61_000);
    expect(await json<Json[]>(await send("GET", "/memory/claude"))).toEqual([]);
    await add("claude", { content: "gamma fact" });
    await add("claude", { content: "delta fact" });
    expect(await json(await send("DELETE", "/memory/claude"))).toEqual({ cleared: 2 });
    expect(await json<Json[]>(await send("GET", "/memory/claude/search?q=fact"))).toEqual([]);
  });

  it("rebuilds a missing or corrupt index from the entries", async () => {
    const { add, scopes, repository } = setup();
    const entry = await add("claude", { content: "the launch code is in the blue folder" });
    const store = scopes.global().store;
    expect(await store.readRaw("memory:claude:index.json")).toContain('"revision":1');

    for (const damage of ["{not json", null]) {
      if (damage === null) await store.remove(["memory:claude:index.json"]);
      else await store.writeRaw("memory:claude:index.json", damage);
      // A fresh service (as after a restart) reads the files again.
      const fresh = new AgentMemory({ repository, logger: silentLogger });
      const hits = await fresh.search("claude", "blue folder", 5);
      expect(hits.map((h) => h.id)).toEqual([entry.id]);
      expect(await store.readRaw("memory:claude:index.json")).toContain('"revision":1');
    }
  });
});
