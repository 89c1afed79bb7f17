import { describe, expect, it } from "vitest";
import { createTestApp, json, jsonRequest, PROJECT } from "../../helpers/app.js";

type Agent = Record<string, unknown> & { id: string; source: string; workspace_path: string };

async function create(app: ReturnType<typeof createTestApp>["app"], body: Record<string, unknown>) {
  const res = await app.request("/api/agent", jsonRequest("POST", body));
  return { status: res.status, body: await json<Agent>(res) };
}

describe("default agent", () => {
  it("is null until set, then names the agent; a workspace may override it", async () => {
    const { app } = createTestApp();
    expect(await json(await app.request("/api/agent/default"))).toEqual({
      agent_id: null,
      default_agent_id: null,
      source: null,
      agent: null,
    });
    await create(app, { name: "Main" });
    await create(app, { name: "Local", base_path: PROJECT });
    expect(
      (await app.request("/api/agent/default", jsonRequest("PUT", { agent_id: "missing" }))).status,
    ).toBe(404);
    const put = await app.request("/api/agent/default", jsonRequest("PUT", { agent_id: "main" }));
    expect(put.status).toBe(200);
    expect(await json(await app.request("/api/agent/default"))).toMatchObject({
      agent_id: "main",
      source: "global",
      agent: { id: "main" },
    });
    await app.request(
      `/api/agent/default?workspace_path=${PROJECT}`,
      jsonRequest("PUT", { agent_id: "local" }),
    );
    expect(await json(await app.request(`/api/agent/default?workspace_path=${PROJECT}`))).toMatchObject({
      agent_id: "local",
      source: "workspace",
    });
    expect(await json(await app.request("/api/agent/default"))).toMatchObject({ agent_id: "main" });
  });
});
