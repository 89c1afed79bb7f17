import { describe, expect, it } from "vitest";
import { MemoryAppendLog } from "../../storage/drivers/memory-append-log.js";
import { StorageError } from "../../storage/errors.js";
import { HistoryRepository, preview } from "../../storage/history.js";

function repo() {
  let time = Date.parse("2026-03-15T14:00:00.000Z");
  let n = 0;
  const log = new MemoryAppendLog();
  const now = () => {
    time += 60_000;
    return new Date(time);
  };
  const history = new HistoryRepository({ log, now, newId: () => `h${++n}` });
  return { log, history };
}

describe("HistoryRepository", () => {
  it("adds records with a 200-character preview and lists them newest first", async () => {
    const { history } = repo();
    const first = await history.add({
      agent_id: "coder",
      prompt: "Write a function",
      response: `Here's a function ${"x".repeat(300)}`,
      tokens: { input: 50, output: 200 },
      cost_cents: 0.5,
      session_id: "s1",
      run_id: "r1",
      duration_ms: 1200,
    });
    expect(first).toMatchObject({
      id: "h1",
      agent_id: "coder",
      session_id: "s1",
      run_id: "r1",
      status: "completed",
      created_at: "2026-03-15T14:01:00.000Z",
      duration_ms: 1200,
    });
    expect(first.response_preview).toHaveLength(200);
    await history.add({ agent_id: "coder", prompt: "Second", response_preview: "short", status: "failed" });
    await history.add({ agent_id: "other", prompt: "Elsewhere" });
    const { records, total } = await history.list("coder");
    expect(total).toBe(2);
    expect(records.map((r) => r.prompt)).toEqual(["Second", "Write a function"]);
    expect(records[0]).toMatchObject({ tokens: { input: 0, output: 0 }, cost_cents: 0 });
  });

  it("limits and searches case-insensitively in prompt and preview, counting all matches", async () => {
    const { history } = repo();
    for (let i = 0; i < 60; i++)
      await history.add({
        agent_id: "a",
        prompt: `task ${i}`,
        response: i % 3 === 0 ? "Used DOCKER" : "plain",
      });
    const page = await history.list("a");
    expect(page.records).toHaveLength(50);
    expect(page.total).toBe(60);
    expect(page.records[0]!.prompt).toBe("task 59");
    const found = await history.list("a", { search: "docker", limit: 3 });
    expect(found.total).toBe(20);
    expect(found.records.map((r) => r.prompt)).toEqual(["task 57", "task 54", "task 51"]);
    expect((await history.list("a", { search: "TASK 1" })).total).toBe(11);
    expect((await history.list("a", { search: "nothing" })).records).toEqual([]);
  });

  it("computes stats and clears", async () => {
    const { history } = repo();
    expect(await history.stats("a")).toEqual({
      total: 0,
      completed: 0,
      failed: 0,
      tokens: { input: 0, output: 0 },
      cost_cents: 0,
      first_at: null,
      last_at: null,
    });
    await history.add({ agent_id: "a", prompt: "1", tokens: { input: 1, output: 2 }, cost_cents: 0.25 });
    await history.add({
      agent_id: "a",
      prompt: "2",
      status: "failed",
      tokens: { input: 3, output: 4 },
      cost_cents: 1,
    });
    await history.add({ agent_id: "a", prompt: "3", status: "timeout" });
    await history.add({ agent_id: "a", prompt: "4", status: "stopped" });
    expect(await history.stats("a")).toEqual({
      total: 4,
      completed: 1,
      failed: 2,
      tokens: { input: 4, output: 6 },
      cost_cents: 1.25,
      first_at: "2026-03-15T14:01:00.000Z",
      last_at: "2026-03-15T14:04:00.000Z",
    });
    await history.clear("a");
    expect((await history.list("a")).total).toBe(0);
  });

  it("skips records that do not match the schema and validates input", async () => {
    const { history, log } = repo();
    log.appendRaw("history:a.jsonl", '{"id":"bad"}\n');
    await history.add({ agent_id: "a", prompt: "ok" });
    expect((await history.list("a")).total).toBe(1);
    for (const [call, field] of [
      [history.add({ agent_id: "../a", prompt: "x" }), "agent_id"],
      [history.add({ agent_id: "a", prompt: "x", status: "weird" as "failed" }), "status"],
      [history.list("a/b"), "agent_id"],
    ] as const) {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).details.field).toBe(field);
    }
  });

  it("previews by characters, never splitting an emoji", () => {
    expect(preview("🚀".repeat(300))).toBe("🚀".repeat(200));
    expect(preview("short")).toBe("short");
  });
});
