import { afterEach, describe, expect, it, vi } from "vitest";
import { ApprovalBroker } from "../../../runtime/approvals/broker.js";
import { createEventBus } from "../../../runtime/event-bus.js";
import { ApprovalRuleRepository } from "../../../storage/approval-rules.js";
import { createTestApp, json, jsonRequest, silentLogger } from "../../helpers/app.js";

function setup() {
  const events = createEventBus();
  const published = events.subscribe({ types: ["approval_requested", "approval_resolved"] });
  let broker!: ApprovalBroker;
  let n = 0;
  const t = createTestApp({
    events,
    extend: ({ scopes }) => {
      broker = new ApprovalBroker({
        events,
        rules: new ApprovalRuleRepository(scopes.global().store, () => new Date()),
        logger: silentLogger,
        newId: () => `ap-${++n}`,
        now: () => new Date(),
      });
      return { approvals: broker };
    },
  });
  const ask = (tool = "Bash", input: unknown = { command: "rm -rf build" }, timeoutMs?: number) =>
    broker.request({ tool, input, agentId: "coder", sessionId: "s1", runId: "r1", workdir: "/w", timeoutMs });
  return { ...t, broker, ask, published };
}

describe("/approvals and /api/approvals", () => {
  afterEach(() => vi.useRealTimers());

  it("lists a pending request in both spellings and resolves it with a decision", async () => {
    const { app, ask, published } = setup();
    const verdict = ask();
    expect((await published.next())?.type).toBe("approval_requested");
    const api = await json(await app.request("/api/approvals/pending"));
    expect(api).toEqual({
      approvals: [
        expect.objectContaining({ approval_id: "ap-1", tool: "Bash", agent_id: "coder", run_id: "r1" }),
      ],
    });
    const root = await json<unknown[]>(await app.request("/approvals/pending"));
    expect(root).toEqual([
      expect.objectContaining({ id: "ap-1", toolName: "Bash", toolInput: { command: "rm -rf build" } }),
    ]);

    const res = await app.request(
      "/approvals/ap-1/decide",
      jsonRequest("POST", { decision: "deny", reason: "no" }),
    );
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ ok: true, decision: "deny", decided_by: "local", reason: "no" });
    expect(await verdict).toMatchObject({ decision: "deny", message: expect.stringContaining("no") });
    expect(await published.next()).toMatchObject({
      type: "approval_resolved",
      approval_id: "ap-1",
      decision: "deny",
    });
    expect(
      (await app.request("/approvals/ap-1/decide", jsonRequest("POST", { decision: "allow" }))).status,
    ).toBe(404);
  });

  it("remember adds a rule that decides the next call without asking (OpenVesper's allow-and-remember)", async () => {
    const { app, ask, published } = setup();
    const first = ask();
    await published.next();
    const res = await app.request(
      "/api/approvals/ap-1/decide",
      jsonRequest("POST", { decision: "allow-and-remember" }),
    );
    expect(await json(res)).toMatchObject({
      decision: "allow",
      remembered: true,
      rule: { tool: "Bash", agent_id: "coder" },
    });
    expect((await first).decision).toBe("allow");
    const rules = await json(await app.request("/api/approvals/rules"));
    expect(rules).toEqual({
      rules: [expect.objectContaining({ tool: "Bash", decision: "allow", policy: "auto-allow" })],
    });
    await published.next();
    expect(await ask()).toMatchObject({ decision: "allow", resolution: { decided_by: "rule" } });
  });

  it("takes rules in either spelling, first match wins, and deletes by index or id", async () => {
    const { app, ask } = setup();
    const add = (body: unknown, path = "/api/approvals/rules") =>
      app.request(path, jsonRequest("POST", body));
    expect(
      (
        await add(
          { toolPattern: "Bash", agent: "*", policy: "auto-deny", reason: "no shell" },
          "/approvals/rules",
        )
      ).status,
    ).toBe(200);
    expect((await add({ tool: "Bash", input_pattern: "^ls", decision: "allow", position: 0 })).status).toBe(
      201,
    );
    expect(await ask("Bash", { command: "ls -la" })).toMatchObject({ decision: "allow" });
    expect(await ask("Bash", { command: "rm x" })).toMatchObject({
      decision: "deny",
      message: expect.stringContaining("no shell"),
    });
    const listed = await json<Array<{ id: string }>>(await app.request("/approvals/rules"));
    expect(listed).toHaveLength(2);
    expect(await json(await app.request("/approvals/rules/1", { method: "DELETE" }))).toMatchObject({
      removed: true,
    });
    expect(
      await json(await app.request(`/api/approvals/rules/${listed[0]!.id}`, { method: "DELETE" })),
    ).toMatchObject({ removed: true });
    expect(await json(await app.request("/approvals/rules/5", { method: "DELETE" }))).toEqual({
      removed: false,
    });
  });

  it("answers bad input with a 4xx naming the field", async () => {
    const { app } = setup();
    const bad = async (path: string, body: unknown, field: string) => {
      const res = await app.request(path, jsonRequest("POST", body));
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect((await json(res)).error).toContain(field);
    };
    await bad("/api/approvals/rules", { decision: "allow" }, "tool");
    await bad("/api/approvals/rules", { tool: "Bash" }, "decision");
    await bad(
      "/api/approvals/rules",
      { tool: "Bash", decision: "allow", input_pattern: "(a+)+" },
      "input_pattern",
    );
    await bad("/api/approvals/rules", { tool: "Bash", decision: "maybe" }, "decision");
    await bad("/api/approvals/x/decide", {}, "decision");
    await bad("/api/approvals/x/decide", { decision: "perhaps" }, "decision");
  });

  it("denies when nobody decides in time (fake clock), and when the run ends", async () => {
    vi.useFakeTimers();
    const { broker, ask } = setup();
    const late = ask("Bash", { command: "make" }, 30_000);
    await vi.waitFor(() => expect(broker.pending()).toHaveLength(1));
    vi.advanceTimersByTime(30_000);
    expect(await late).toMatchObject({ decision: "deny", resolution: { decided_by: "timeout" } });
    const orphan = ask();
    await vi.waitFor(() => expect(broker.pending()).toHaveLength(1));
    broker.releaseRun("r1");
    expect(await orphan).toMatchObject({ decision: "deny", resolution: { decided_by: "run_ended" } });
    expect(broker.pending()).toEqual([]);
  });

  it("answers 501 where the runtime has no approval broker", async () => {
    const { app } = createTestApp();
    expect((await app.request("/api/approvals/pending")).status).toBe(501);
  });
});
