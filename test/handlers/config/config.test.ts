import { describe, expect, it } from "vitest";
import { AuditLog } from "../../../storage/audit-log.js";
import { createTestApp, json, jsonRequest } from "../../helpers/app.js";

const ADMIN = { authorization: "Bearer admin-secret-0123456789" };
const VIEWER = { authorization: "Bearer viewer-secret-0123456789" };
const YAML = `# the gateway's settings
api_keys:
  - { name: ops, key: admin-secret-0123456789, role: admin } # the operator
  - { name: dash, key: viewer-secret-0123456789, role: viewer }
  - { name: ci, key: "\${CI_KEY}", role: operator }
hooks:
  tokens:
    - { name: gh, token: hook-token-abcdef }
cors:
  origins: [] # none yet
my_note: kept by hand
`;

interface View {
  content: string;
  config: Record<string, unknown>;
  path: string;
}
interface KeyInfo {
  name: string;
  role: string;
  storage: string;
  key?: string;
  created_at?: string;
  last_used_at: string | null;
}

function setup() {
  let audit: AuditLog | undefined;
  const t = createTestApp({
    extend: ({ log }) => {
      audit = new AuditLog({ log });
      return { audit };
    },
  });
  return { ...t, audit: audit! };
}

async function withConfig(scopes: ReturnType<typeof setup>["scopes"]) {
  await scopes.global().store.writeRaw("gateway.yaml", YAML);
}

describe("/api/config", () => {
  it("shows gateway.yaml to a viewer with every secret masked, comments kept", async () => {
    const { app, scopes } = setup();
    await withConfig(scopes);
    const res = await app.request("/api/config", { headers: VIEWER });
    expect(res.status).toBe(200);
    const view = await json<View>(res);
    const text = JSON.stringify(view);
    for (const secret of ["admin-secret", "viewer-secret", "hook-token-abcdef"])
      expect(text).not.toContain(secret);
    expect(view.content).toContain("# the operator");
    expect(view.content).toContain("${CI_KEY}");
    expect(view.config).toMatchObject({
      my_note: "kept by hand",
      hooks: { tokens: [{ name: "gh", token: "***" }] },
    });
  });

  it("PATCH applies at once, keeps comments and hand-written keys, and masked secrets stay", async () => {
    const { app, scopes } = setup();
    await withConfig(scopes);
    const res = await app.request(
      "/api/config",
      jsonRequest("PATCH", { cors: { origins: ["https://app.example"] }, strict_input: true }, ADMIN),
    );
    expect(res.status).toBe(200);
    const text = (await scopes.global().store.readRaw("gateway.yaml")) ?? "";
    expect(text).toContain("# the gateway's settings");
    expect(text).toContain("# the operator");
    expect(text).toContain("my_note: kept by hand");
    expect(text).toContain("https://app.example");
    // Live: the new CORS origin is served on the next request.
    const cors = await app.request("/api/agent", { headers: { ...VIEWER, origin: "https://app.example" } });
    expect(cors.headers.get("access-control-allow-origin")).toBe("https://app.example");
    // A client sends back what it read, masks included: the secrets stay.
    const view = await json<View>(await app.request("/api/config", { headers: ADMIN }));
    const put = await app.request("/api/config", jsonRequest("PUT", { content: view.content }, ADMIN));
    expect(put.status).toBe(200);
    expect((await app.request("/api/agent", { headers: ADMIN })).status).toBe(200);
    expect(await scopes.global().store.readRaw("gateway.yaml")).toContain("admin-secret-0123456789");
  });

  it("refuses invalid changes with a 400 naming the field and leaves the file alone; viewers may not write", async () => {
    const { app, scopes } = setup();
    await withConfig(scopes);
    const bad = await app.request("/api/config", jsonRequest("PATCH", { port: "eighty" }, ADMIN));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("port");
    const yaml = await app.request("/api/config", jsonRequest("PUT", { content: "api_keys: [" }, ADMIN));
    expect(yaml.status).toBe(400);
    const mask = await app.request(
      "/api/config",
      jsonRequest("PATCH", { api_keys: [{ name: "new", key: "***", role: "admin" }] }, ADMIN),
    );
    expect(mask.status).toBe(400);
    expect((await app.request("/api/config", jsonRequest("PATCH", { port: 1 }, VIEWER))).status).toBe(403);
    expect(await scopes.global().store.readRaw("gateway.yaml")).toBe(YAML);
  });
});

describe("/api/keys", () => {
  it("creates a key shown once and stored as a hash, lists, rotates and revokes at once", async () => {
    const { app, scopes, audit } = setup();
    await withConfig(scopes);
    const created = await app.request(
      "/api/keys",
      jsonRequest("POST", { name: "robot", role: "operator" }, ADMIN),
    );
    expect(created.status).toBe(201);
    const issued = await json<KeyInfo>(created);
    expect(issued.key).toMatch(/^vbn_[A-Za-z0-9_-]{43}$/);
    const file = (await scopes.global().store.readRaw("gateway.yaml")) ?? "";
    expect(file).not.toContain(issued.key!);
    expect(file).toMatch(/hash: sha256:[0-9a-f]{64}/);
    expect(file).toContain("# the operator");
    const robot = { authorization: `Bearer ${issued.key}` };
    expect((await app.request("/api/agent", { headers: robot })).status).toBe(200);

    const list = await json<{ keys: KeyInfo[] }>(await app.request("/api/keys", { headers: VIEWER }));
    expect(list.keys.map((k) => [k.name, k.storage])).toEqual([
      ["ops", "inline"],
      ["dash", "inline"],
      ["ci", "env"],
      ["robot", "hash"],
    ]);
    expect(JSON.stringify(list)).not.toContain(issued.key!);
    expect(list.keys.find((k) => k.name === "robot")?.last_used_at).toBeTruthy();

    const dup = await app.request("/api/keys", jsonRequest("POST", { name: "robot", role: "viewer" }, ADMIN));
    expect(dup.status).toBe(409);

    const rotated = await json<KeyInfo>(
      await app.request("/api/keys/robot/rotate", { method: "POST", headers: ADMIN }),
    );
    expect(rotated.key).not.toBe(issued.key);
    expect((await app.request("/api/agent", { headers: robot })).status).toBe(401);
    const robot2 = { authorization: `Bearer ${rotated.key}` };
    expect((await app.request("/api/agent", { headers: robot2 })).status).toBe(200);

    expect((await app.request("/api/keys/robot", { method: "DELETE", headers: ADMIN })).status).toBe(200);
    expect((await app.request("/api/agent", { headers: robot2 })).status).toBe(401);
    expect((await app.request("/api/keys/robot", { method: "DELETE", headers: ADMIN })).status).toBe(404);
    expect(
      (await app.request("/api/keys", jsonRequest("POST", { name: "x", role: "admin" }, VIEWER))).status,
    ).toBe(403);

    const actions = (await audit.query({ limit: 100 })).entries.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(["key.create", "key.rotate", "key.revoke", "auth.failed"]),
    );
  });
});
