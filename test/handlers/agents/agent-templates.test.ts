import { describe, expect, it } from "vitest";
import { createTestApp, json, jsonRequest, PROJECT } from "../../helpers/app.js";

type Agent = Record<string, unknown> & { id: string; source: string; workspace_path: string };

async function create(app: ReturnType<typeof createTestApp>["app"], body: Record<string, unknown>) {
  const res = await app.request("/api/agent", jsonRequest("POST", body));
  return { status: res.status, body: await json<Agent>(res) };
}

describe("templates", () => {
  it("lists built-ins, creates from an agent and instantiates", async () => {
    const { app } = createTestApp();
    const list = await json<{ templates: { id: string }[] }>(await app.request("/api/agent/templates"));
    expect(list.templates.map((t) => t.id)).toContain("coding-assistant");
    expect((await app.request("/api/agent/templates/coding-assistant")).status).toBe(200);
    expect((await app.request("/api/agent/templates/nope")).status).toBe(404);

    await create(app, { name: "Base", executor_type: "CODEX", model: "gpt-5", system_prompt: "Be terse." });
    const made = await app.request(
      "/api/agent/templates",
      jsonRequest("POST", { agent_id: "base", id: "terse", description: "terse codex" }),
    );
    expect(made.status).toBe(201);
    expect(await json(made)).toMatchObject({
      id: "terse",
      name: "Base",
      source: "global",
      config: { executor_type: "CODEX", model: "gpt-5", system_prompt: "Be terse." },
    });
    const again = await app.request(
      "/api/agent/templates",
      jsonRequest("POST", { agent_id: "base", id: "terse" }),
    );
    expect(again.status).toBe(409);
    expect(
      (await app.request("/api/agent/templates", jsonRequest("POST", { agent_id: "nobody" }))).status,
    ).toBe(404);

    const inst = await app.request(
      "/api/agent/templates/terse/instantiate",
      jsonRequest("POST", { name: "Terse One", base_path: PROJECT }),
    );
    expect(inst.status).toBe(201);
    expect(await json(inst)).toMatchObject({
      id: "terse-one",
      name: "Terse One",
      executor_type: "CODEX",
      system_prompt: "Be terse.",
      source: "workspace",
    });
  });
});
