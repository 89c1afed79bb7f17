import { rm } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { isPublished } from "../../runtime/edge-sync/publish/collect.js";
import { type KvWriter, publishToEdge } from "../../runtime/edge-sync/publish/publish.js";
import { redactForEdge } from "../../runtime/edge-sync/publish/redact.js";
import { kvKeyOf } from "../../storage/drivers/kv.js";
import { LITERAL_SECRETS, writeFixture } from "../shared/fixture.js";

/** A KV namespace as a map, recording the order of writes. */
function memoryKv(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  const order: string[] = [];
  const kv: KvWriter = {
    list: async (prefix) => [...values.keys()].filter((k) => k.startsWith(prefix)),
    put: async (entries) => {
      for (const e of entries) {
        values.set(e.key, e.value);
        order.push(e.key);
      }
    },
    delete: async (keys) => {
      for (const k of keys) values.delete(k);
    },
  };
  return { kv, values, order };
}

describe("what is published", () => {
  it("takes configuration, conversations on request, and nothing the local gateway keeps to itself", () => {
    for (const key of [
      "gateway.yaml",
      "agents:a:config.yaml",
      "providers:p.yaml",
      "cron:jobs:j.yaml",
      "tasks:t.yaml",
    ])
      expect([key, isPublished(key, false)]).toEqual([key, true]);
    for (const key of [
      "queue:journal.jsonl",
      "ledger:2026-11.jsonl",
      "hooks:deliveries:x.yaml",
      "heartbeat:state.yaml",
      "agents:a:.config.yaml.x.tmp",
    ])
      expect([key, isPublished(key, true)]).toEqual([key, false]);
    expect(isPublished("sessions:s:messages.jsonl", false)).toBe(false);
    expect(isPublished("sessions:s:messages.jsonl", true)).toBe(true);
  });

  it("masks literal secrets and keeps ${ENV} references, comments and unrelated files as they are", () => {
    const provider =
      '# mine\ntype: openai\napi_key: sk-literal # keep me\nheaders: { A: lit, B: "${REF}" }\n';
    const masked = redactForEdge("providers:p.yaml", provider)!;
    expect(masked).not.toContain("sk-literal");
    expect(masked).toContain("# mine");
    expect(masked).toContain('api_key: "***"');
    expect(masked).toContain("${REF}");
    expect(redactForEdge("providers:p.yaml", "api_key: ${OPENAI_API_KEY}\n")).toBe(
      "api_key: ${OPENAI_API_KEY}\n",
    );
    const agent = "name: a\nmcp_servers:\n  s:\n    env: { T: secret-1 }\n    headers: { H: secret-2 }\n";
    expect(redactForEdge("agents:a:config.yaml", agent)).not.toMatch(/secret-/);
    expect(redactForEdge("executors:CODEX.yaml", "env:\n  OPENAI_API_KEY: sk-x\n")).not.toContain("sk-x");
    expect(redactForEdge("providers:p.yaml", "api_key: [unclosed\n")).toBeNull();
    expect(redactForEdge("gateway.yaml", "api_keys: [{ name: a, key: k, role: admin }]\n")).toContain(
      "key: k",
    );
  });

  it("mirrors the roots under the filesystem's keys, manifest last, and removes what is gone except the edge's own", async () => {
    const fixture = await writeFixture({ withKeys: true });
    try {
      const root = `${fixture.home}/.viben`;
      const { kv, values, order } = memoryKv({
        [kvKeyOf(root, "agents:gone:config.yaml")]: "name: gone\n",
        [kvKeyOf(root, "hooks:deliveries:abc.yaml")]: "delivery_id: d\n",
        "inbox:0001-x": "{}",
      });
      const warnings: string[] = [];
      const report = await publishToEdge({
        home: fixture.home,
        globalRoot: root,
        workspaces: [fixture.project],
        includeSessions: true,
        env: process.env,
        kv,
        warn: (m) => warnings.push(m),
      });
      expect(warnings).toEqual([]);
      expect(values.get(kvKeyOf(root, "agents:helper:config.yaml"))).toContain("executor_type: CLAUDE_CODE");
      expect(values.has(kvKeyOf(`${fixture.project}/.viben`, "agents:project-agent:config.yaml"))).toBe(true);
      expect(values.get(kvKeyOf(root, "sessions:suite-session-1:messages.jsonl"))?.split("\n")).toHaveLength(
        5,
      );
      expect(order.at(-1)).toBe("edge:manifest");
      expect(JSON.parse(values.get("edge:manifest")!)).toMatchObject({
        format: 1,
        home: fixture.home,
        global_root: root,
        workspaces: [fixture.project],
        keys: report.written,
      });
      const snapshot = JSON.parse(values.get("edge:executors")!) as {
        workspaces: Record<string, { id: string }[]>;
      };
      expect(snapshot.workspaces[fixture.home]?.map((e) => e.id)).toContain("CLAUDE_CODE");
      expect(report.removed).toBe(1);
      expect(values.has(kvKeyOf(root, "agents:gone:config.yaml"))).toBe(false);
      expect(values.has(kvKeyOf(root, "hooks:deliveries:abc.yaml"))).toBe(true);
      expect(values.has("inbox:0001-x")).toBe(true);
      for (const value of values.values())
        for (const secret of LITERAL_SECRETS) expect(value).not.toContain(secret);
    } finally {
      await rm(fixture.home, { recursive: true, force: true });
      await rm(fixture.project, { recursive: true, force: true });
    }
  });
});
