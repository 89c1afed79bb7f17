import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClaudeGateway, startClaudeGateway } from "../helpers/claude-gateway.js";

type Json = Record<string, unknown>;
interface Entry {
  actor: string;
  action: string;
  resource?: string;
  details?: Json;
}

/**
 * Audit, config and keys on a real gateway (temporary HOME, the real Claude Code CLI against the local
 * Anthropic stub): a run's start and end, mutating calls and failed authentication reach the audit; a config
 * PATCH applies at once and keeps the file's comments; a created key works and is shown once, a revoked one
 * is refused on the next request; a torn last line in the day's file is skipped.
 */
describe("audit, config and keys over the API", () => {
  let env: ClaudeGateway;
  let ops = "";
  const call = async (
    path: string,
    init: { method?: string; body?: unknown; key?: string; origin?: string } = {},
  ) => {
    const res = await fetch(`${env.gw.url}${path}`, {
      method: init.method ?? "GET",
      headers: {
        "content-type": "application/json",
        ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
        ...(init.origin ? { origin: init.origin } : {}),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
  };
  const audit = async (query: string) =>
    (await call(`/api/audit?${query}`, { key: ops })).body as { entries: Entry[]; next_cursor?: string };

  beforeAll(async () => {
    env = await startClaudeGateway(
      () => ({ text: "Done.", usage: { input_tokens: 3, output_tokens: 1 } }),
      "# hand-written: keep me\ncors:\n  origins: [] # nobody yet\n",
    );
  });

  afterAll(async () => {
    await env?.close();
  });

  it("audits a run's start and end", async () => {
    const ended = env.gw.events.subscribe({ types: ["run_complete", "run_error"] });
    const chat = await call("/api/chat", { method: "POST", body: { message: "hi", workdir: env.workdir } });
    expect(chat.status).toBe(200);
    expect((await ended.next())?.type).toBe("run_complete");
    ended.close();
    const page = (await call("/api/audit?action=run")).body as { entries: Entry[] };
    expect(page.entries.map((e) => e.action)).toEqual(["run.completed", "run.started"]);
    const posts = (await call("/api/audit?action=api.post&resource=/api/chat")).body as { entries: Entry[] };
    expect(posts.entries[0]).toMatchObject({ actor: "local", details: { status: 200, route: "/api/chat" } });
  });

  it("applies a config PATCH at once and keeps the file's comments", async () => {
    const origin = "https://board.example";
    expect((await call("/api/agent", { origin })).status).toBe(403);
    const patched = await call("/api/config", { method: "PATCH", body: { cors: { origins: [origin] } } });
    expect(patched.status).toBe(200);
    const text = await readFile(join(env.home, ".viben/gateway.yaml"), "utf8");
    expect(text).toContain("# hand-written: keep me");
    expect(text).toContain("https://board.example");
    const allowed = await call("/api/agent", { origin });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(origin);
  });

  it("shows a created key once, accepts it, and refuses a revoked key on the next request", async () => {
    const created = await call("/api/keys", { method: "POST", body: { name: "ops", role: "admin" } });
    expect(created.status).toBe(201);
    ops = String(created.body.key);
    const robot = await call("/api/keys", {
      method: "POST",
      body: { name: "robot", role: "viewer" },
      key: ops,
    });
    const robotKey = String(robot.body.key);
    const file = await readFile(join(env.home, ".viben/gateway.yaml"), "utf8");
    expect(file).not.toContain(ops);
    expect(file).not.toContain(robotKey);
    // Keys are in force at once: no key is now refused.
    expect((await call("/api/agent")).status).toBe(401);
    expect((await call("/api/agent", { key: robotKey })).status).toBe(200);
    const listed = await call("/api/keys", { key: robotKey });
    expect(JSON.stringify(listed.body)).not.toContain(robotKey);
    expect((await call("/api/keys/robot", { method: "DELETE", key: ops })).status).toBe(200);
    expect((await call("/api/agent", { key: robotKey })).status).toBe(401);
  });

  it("shows mutating calls, failed auth and key changes, filters and pages, and never a secret", async () => {
    const failed = await audit("action=auth.failed");
    expect(failed.entries.length).toBeGreaterThanOrEqual(2);
    expect(failed.entries.every((e) => e.actor === "anonymous" || e.actor === "local")).toBe(true);
    const keys = await audit("action=key");
    expect(keys.entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(["key.create", "key.revoke", "key.used"]),
    );
    const byOps = await audit("actor=ops&action=key.revoke");
    expect(byOps.entries).toHaveLength(1);
    const config = await audit("action=config.update");
    expect(config.entries[0]?.details).toMatchObject({ changed: ["cors"] });

    const all: Entry[] = [];
    let cursor: string | undefined;
    do {
      const page = await audit(`limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      all.push(...page.entries);
      cursor = page.next_cursor;
    } while (cursor);
    expect(all.length).toBe((await audit("limit=1000")).entries.length);
    const text = await readFile(
      join(env.home, ".viben/audit", `${new Date().toISOString().slice(0, 10)}.jsonl`),
      "utf8",
    );
    expect(text).not.toContain(ops);
    const dates = (await call("/audit/dates", { key: ops })).body as unknown as string[];
    expect(dates).toContain(new Date().toISOString().slice(0, 10));
  });

  it("skips a torn last line and keeps recording after it", async () => {
    const day = new Date().toISOString().slice(0, 10);
    const file = join(env.home, ".viben/audit", `${day}.jsonl`);
    const before = (await audit("limit=1000")).entries.length;
    await appendFile(file, '{"id":"torn","ts":"2026-');
    expect((await audit("limit=1000")).entries.length).toBe(before);
    expect(
      (await call("/api/keys", { method: "POST", body: { name: "late", role: "viewer" }, key: ops })).status,
    ).toBe(201);
    const after = await audit("limit=1000");
    // Newest first: the call itself, then the key it created.
    expect(after.entries.slice(0, 2).map((e) => [e.action, e.resource])).toEqual([
      ["api.post", "/api/keys"],
      ["key.create", "key:late"],
    ]);
    expect(after.entries.some((e) => (e as unknown as Json).id === "torn")).toBe(false);
  });
});
