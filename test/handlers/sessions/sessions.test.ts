import { describe, expect, it } from "vitest";
import { json, jsonRequest, PROJECT } from "../../helpers/app.js";
import { type Json, setup } from "./session-fixture.js";

describe("GET /api/sessions", () => {
  it("lists every session across agents at /api/sessions with filters", async () => {
    const { app, sessions } = await setup();
    await sessions.create({
      id: "o-1",
      agent_id: "other",
      agent_source: "global",
      workspace_path: PROJECT,
      workdir: PROJECT,
    });
    await sessions.appendMessages("o-1", [{ role: "user", content: "hello other" }]);
    const all = await json<{ sessions: Json[] }>(await app.request("/api/sessions"));
    expect(all.sessions.map((s) => s.id).sort()).toEqual(["o-1", "s-1"]);
    const byAgent = await json<{ sessions: Json[] }>(await app.request("/api/sessions?agent_id=other"));
    expect(byAgent.sessions).toMatchObject([{ id: "o-1", title: "hello other", message_count: 1 }]);
    const byWs = await json<{ sessions: Json[] }>(
      await app.request(`/api/sessions?workspace_path=${PROJECT}`),
    );
    expect(byWs.sessions.map((s) => s.id)).toEqual(["o-1"]);
    expect((await app.request("/api/sessions?workspace_path=rel")).status).toBe(400);
    // A registered workspace's name stands for its path here as everywhere workspace_path is taken.
    expect(
      (await app.request("/api/workspaces", jsonRequest("POST", { name: "proj", path: PROJECT }))).status,
    ).toBe(201);
    const byName = await json<{ sessions: Json[] }>(await app.request("/api/sessions?workspace_path=proj"));
    expect(byName.sessions.map((s) => s.id)).toEqual(["o-1"]);
    const one = await json<Json>(await app.request("/api/sessions/o-1"));
    expect(one).toMatchObject({ id: "o-1", messages: [{ role: "user", content: "hello other" }] });
    expect((await app.request("/api/sessions/nope")).status).toBe(404);
  });
});
