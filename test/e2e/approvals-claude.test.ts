import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import {
  type AnthropicStub,
  contentText,
  type MessagesRequest,
  type StubReply,
  startAnthropicStub,
  toolResults,
} from "../fixtures/anthropic-stub.js";
import { type Json, openSse, openWs, type SseClient, type WsClient } from "../helpers/clients.js";
import { configureRealClaudeHome, realClaudeEnv } from "../helpers/real-claude-home.js";

/*
 * The real Claude Code CLI against the local Anthropic stub: an agent with `approvals: true` in the
 * `default` permission mode asks before its Bash command writes a file; the gateway holds the call until
 * a person (HTTP), a rule or the timeout decides.
 */

const KEYS = { admin: "admin-secret", operator: "operator-secret", viewer: "viewer-secret" };

/** WRITE_IT: a Bash command that writes a file (Claude asks first) and prints a marker. */
function script(body: MessagesRequest): StubReply {
  const results = toolResults(body);
  if (results.length > 0) {
    const text = results.map((r) => contentText(r.content as string)).join(" ");
    return { text: `Tool said: ${text.slice(0, 400)}` };
  }
  const prompt = contentText(body.messages.findLast((m) => m.role === "user")?.content);
  if (prompt.includes("WRITE_IT")) {
    return {
      toolUse: {
        name: "Bash",
        input: { command: "echo approved-42 > out.txt && cat out.txt", description: "write out.txt" },
      },
    };
  }
  return { text: "Nothing to do." };
}

describe("approvals with the real Claude Code CLI", () => {
  let home: string;
  let workdir: string;
  let stub: AnthropicStub;
  let gw: RunningGateway;
  let sse: SseClient;
  let ws: WsClient;

  const call = async (path: string, role: keyof typeof KEYS, body?: unknown, method?: string) => {
    const res = await fetch(`${gw.url}${path}`, {
      method: method ?? (body === undefined ? "GET" : "POST"),
      headers: { authorization: `Bearer ${KEYS[role]}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  async function spawn(agent: string, dir: string): Promise<string> {
    const spawned = await call(`/api/agent/${agent}/spawn`, "operator", {
      prompt: "WRITE_IT now",
      workdir: dir,
    });
    expect(spawned.status).toBe(200);
    return spawned.body.run_id as string;
  }

  const ended = (runId: string) =>
    sse.waitFor((e) => e.run_id === runId && e.type === "run_complete", 60_000);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-approvals-"));
    workdir = join(home, "project");
    await mkdir(workdir);
    await configureRealClaudeHome(home, 120);
    await writeFile(
      join(home, ".viben/gateway.yaml"),
      `api_keys:\n${Object.entries(KEYS)
        .map(([role, key]) => `  - { name: ${role}-key, key: ${key}, role: ${role} }\n`)
        .join("")}`,
      { flag: "a" },
    );
    stub = await startAnthropicStub(script);
    gw = await startGateway({ port: 0, env: realClaudeEnv(home, stub.url) });
    for (const [id, extra] of [
      ["approver", {}],
      ["approver-fast", { approval_timeout_secs: 1 }],
    ] as const) {
      const created = await call("/api/agent", "admin", {
        id,
        name: id,
        executor_type: "CLAUDE_CODE",
        model: "claude-sonnet-4-5",
        permission_mode: "default",
        approvals: true,
        ...extra,
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    sse = await openSse(`${gw.url}/api/events`, { authorization: `Bearer ${KEYS.viewer}` });
    ws = await openWs(`${gw.url.replace("http", "ws")}/ws?token=${KEYS.viewer}`);
    ws.send({ type: "subscribe", id: "all" });
    await ws.waitFor((f) => f.type === "subscribed");
  }, 60_000);

  afterAll(async () => {
    sse?.close();
    await ws?.close();
    await gw?.close();
    await stub?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("pauses on approval, shows it on SSE, /ws and /approvals/pending, refuses a viewer, and continues when allowed", async () => {
    const dir = join(workdir, "allow");
    await mkdir(dir);
    const runId = await spawn("approver", dir);
    const requested = await sse.waitFor((e) => e.run_id === runId && e.type === "approval_requested", 60_000);
    expect(requested).toMatchObject({
      tool: "Bash",
      input: { command: "echo approved-42 > out.txt && cat out.txt" },
      agent_id: "approver",
      session_id: expect.any(String),
    });
    const id = requested.approval_id as string;
    await ws.waitFor((f) => f.type === "approval_requested" && f.approval_id === id);
    expect(existsSync(join(dir, "out.txt"))).toBe(false);

    const pending = await call("/api/approvals/pending", "viewer");
    expect(pending.body.approvals).toContainEqual(expect.objectContaining({ approval_id: id, tool: "Bash" }));
    const openVesper = await call("/approvals/pending", "viewer");
    expect(openVesper.body).toContainEqual(
      expect.objectContaining({ id, toolName: "Bash", agent: "approver" }),
    );

    const refused = await call(`/approvals/${id}/decide`, "viewer", { decision: "allow" });
    expect(refused.status).toBe(403);

    const decided = await call(`/api/approvals/${id}/decide`, "operator", {
      decision: "allow",
      reason: "fine",
    });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ decision: "allow", decided_by: "operator-key", remembered: false });
    const resolved = await sse.waitFor((e) => e.type === "approval_resolved" && e.approval_id === id);
    expect(resolved).toMatchObject({
      decision: "allow",
      decided_by: "operator-key",
      reason: "fine",
      run_id: runId,
    });

    const done = await ended(runId);
    expect(String(done.response)).toContain("approved-42");
    expect(existsSync(join(dir, "out.txt"))).toBe(true);
    expect((await call("/api/approvals/pending", "viewer")).body.approvals).toEqual([]);
    // Decided once: a second decision finds nothing pending.
    expect((await call(`/api/approvals/${id}/decide`, "operator", { decision: "deny" })).status).toBe(404);

    // The audit trail shows every step: the run, the request, the refused and the accepted decision, the end.
    const audit = await call("/api/audit?limit=200", "viewer");
    const steps = (audit.body.entries as Record<string, unknown>[])
      .filter(
        (e) =>
          e.resource === `run:${runId}` ||
          e.resource === `approval:${id}` ||
          String(e.path ?? e.resource ?? "").includes(id),
      )
      .map((e) => `${e.action} ${e.actor}`);
    expect(steps).toEqual(
      expect.arrayContaining([
        "run.started system",
        "approval.requested system",
        "auth.forbidden viewer-key",
        "api.post operator-key",
        "approval.resolved operator-key",
        "run.completed system",
      ]),
    );
  }, 120_000);

  it("a deny stops the tool and the model reads the denial", async () => {
    const dir = join(workdir, "deny");
    await mkdir(dir);
    const runId = await spawn("approver", dir);
    const requested = await sse.waitFor((e) => e.run_id === runId && e.type === "approval_requested", 60_000);
    const decided = await call(`/approvals/${requested.approval_id}/decide`, "operator", {
      decision: "deny",
      reason: "not in this repo",
    });
    expect(decided.body).toMatchObject({ decision: "deny" });
    const done = await ended(runId);
    expect(String(done.response)).toContain("not in this repo");
    expect(existsSync(join(dir, "out.txt"))).toBe(false);
  }, 120_000);

  it("stopping a run clears its pending approval", async () => {
    const dir = join(workdir, "stop");
    await mkdir(dir);
    const spawned = await call("/api/agent/approver/spawn", "operator", {
      prompt: "WRITE_IT now",
      workdir: dir,
    });
    const runId = spawned.body.run_id as string;
    const requested = await sse.waitFor((e) => e.run_id === runId && e.type === "approval_requested", 60_000);
    const stopped = await call("/api/agent/approver/stop", "operator", {
      session_id: spawned.body.session_id,
    });
    expect(stopped.body).toMatchObject({ stopped: true });
    const resolved = await sse.waitFor(
      (e) => e.type === "approval_resolved" && e.approval_id === requested.approval_id,
    );
    expect(resolved).toMatchObject({ decision: "deny", decided_by: "run_ended" });
    expect((await call("/api/approvals/pending", "viewer")).body.approvals).toEqual([]);
    expect(existsSync(join(dir, "out.txt"))).toBe(false);
  }, 120_000);

  it("a timeout denies", async () => {
    const dir = join(workdir, "timeout");
    await mkdir(dir);
    const runId = await spawn("approver-fast", dir);
    const resolved = await sse.waitFor((e) => e.run_id === runId && e.type === "approval_resolved", 60_000);
    expect(resolved).toMatchObject({ decision: "deny", decided_by: "timeout" });
    const done = await ended(runId);
    expect(String(done.response)).toContain("no decision within");
    expect(existsSync(join(dir, "out.txt"))).toBe(false);
  }, 120_000);

  it("a rule allows without asking and the resolution says so; a viewer cannot add rules", async () => {
    const rule = {
      tool: "Bash",
      input_pattern: "^echo approved-42",
      agent_id: "approver",
      decision: "allow",
    };
    expect((await call("/api/approvals/rules", "viewer", rule)).status).toBe(403);
    const added = await call("/api/approvals/rules", "admin", rule);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ index: 0, tool: "Bash", policy: "auto-allow" });

    const dir = join(workdir, "rule");
    await mkdir(dir);
    const runId = await spawn("approver", dir);
    const done = await ended(runId);
    expect(String(done.response)).toContain("approved-42");
    const resolved = sse.events.find((e) => e.run_id === runId && e.type === "approval_resolved");
    expect(resolved).toMatchObject({
      decision: "allow",
      decided_by: "rule",
      rule: { tool: "Bash", index: 0 },
    });
    expect(sse.events.some((e) => e.run_id === runId && e.type === "approval_requested")).toBe(false);

    expect((await call("/approvals/rules", "viewer")).body).toEqual([
      expect.objectContaining({ toolPattern: "Bash" }),
    ]);
    expect((await call("/approvals/rules/0", "admin", undefined, "DELETE")).body).toMatchObject({
      removed: true,
    });
  }, 120_000);
});
