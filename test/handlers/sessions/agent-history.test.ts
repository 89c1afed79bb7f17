import { describe, expect, it } from "vitest";
import { json, jsonRequest } from "../../helpers/app.js";
import { type Json, setup } from "./session-fixture.js";

describe("agent history", () => {
  it("adds, searches, counts and clears records", async () => {
    const { app } = await setup();
    for (const [prompt, status] of [
      ["Write a function", "completed"],
      ["Fix the parser", "failed"],
      ["Write tests", "completed"],
    ] as const) {
      const res = await app.request(
        "/api/agent/coder/history",
        jsonRequest("POST", {
          prompt,
          response_preview: `done: ${prompt}`,
          status,
          tokens: { input: 10, output: 5 },
        }),
      );
      expect(res.status).toBe(201);
    }
    const list = await json<{ records: Json[]; total: number }>(
      await app.request("/api/agent/coder/history?limit=2"),
    );
    expect(list.total).toBe(3);
    expect(list.records.map((r) => r.prompt)).toEqual(["Write tests", "Fix the parser"]);
    const search = await json<{ records: Json[]; total: number }>(
      await app.request("/api/agent/coder/history?search=WRITE"),
    );
    expect(search.total).toBe(2);
    expect(await json(await app.request("/api/agent/coder/history/stats"))).toMatchObject({
      total: 3,
      completed: 2,
      failed: 1,
      tokens: { input: 30, output: 15 },
    });
    expect((await app.request("/api/agent/coder/history", jsonRequest("POST", { prompt: "" }))).status).toBe(
      400,
    );
    expect((await app.request("/api/agent/coder/history", { method: "DELETE" })).status).toBe(200);
    expect(await json(await app.request("/api/agent/coder/history"))).toMatchObject({
      total: 0,
      records: [],
    });
  });
});
