import { describe, expect, it } from "vitest";
import { ryvosEvent } from "../../../handlers/events/ws-ryvos.js";
import { pascalCase, vibenChannel } from "../../../handlers/events/ws-viben.js";
import { decodeBase64, encodeBase64 } from "../../../handlers/lib/base64.js";

const envelope = (type: string, fields: Record<string, unknown> = {}) => ({
  type,
  seq: 7,
  ts: "2026-01-01T00:00:00.000Z",
  ...fields,
});

describe("the Viben /ws dialect's names", () => {
  it("puts each event type on the channel the original server would", () => {
    expect(vibenChannel("cron_fired")).toBe("cron");
    expect(vibenChannel("task_created")).toBe("tasks");
    expect(vibenChannel("agent_created")).toBe("agents");
    for (const type of ["run_started", "delta", "tool_start", "tool_end", "turn_complete", "run_complete"])
      expect(vibenChannel(type), type).toBe("sessions");
    expect(vibenChannel("budget_warning")).toBe("gateway");
    expect(vibenChannel("heartbeat_alert")).toBe("gateway");
  });

  it("spells event types in PascalCase", () => {
    expect(pascalCase("cron_fired")).toBe("CronFired");
    expect(pascalCase("delta")).toBe("Delta");
  });
});

describe("the Ryvos /ws dialect's event frames", () => {
  it("maps our events to Ryvos kinds with its text, tool and data fields", () => {
    expect(ryvosEvent(envelope("delta", { session_id: "s1", run_id: "r1", content: "Hi" }))).toMatchObject({
      type: "event",
      session_id: "s1",
      event: { kind: "text_delta", text: "Hi" },
      run_id: "r1",
    });
    expect(
      ryvosEvent(envelope("tool_start", { session_id: "s1", tool: "Bash", input: { command: "ls" } })),
    ).toMatchObject({ event: { kind: "tool_start", tool: "Bash", data: { command: "ls" } } });
    expect(
      ryvosEvent(envelope("tool_end", { session_id: "s1", tool: "Bash", result: "ok", is_error: false })),
    ).toMatchObject({ event: { kind: "tool_end", tool: "Bash", data: { content: "ok", is_error: false } } });
    expect(
      ryvosEvent(
        envelope("run_complete", { session_id: "s1", tokens: { input: 3, output: 4 }, cost_cents: 1 }),
      ),
    ).toMatchObject({
      event: { kind: "run_complete", data: { input_tokens: 3, output_tokens: 4, cost_cents: 1 } },
    });
  });

  it("sends system events as the `system` session and drops what Ryvos does not forward", () => {
    expect(ryvosEvent(envelope("cron_fired", { job_name: "Nightly", agent_id: "a" }))).toMatchObject({
      session_id: "system",
      event: { kind: "cron_fired", data: { job_name: "Nightly" } },
    });
    expect(ryvosEvent(envelope("heartbeat_alert", { message: "disk" }))).toMatchObject({
      session_id: "system",
      event: { kind: "heartbeat_alert", data: { message: "disk" } },
    });
    expect(ryvosEvent(envelope("turn_complete", { session_id: "s1" }))).toBeUndefined();
    expect(ryvosEvent(envelope("approval_resolved", { session_id: "s1" }))).toBeUndefined();
    // Ryvos's approval_requested data (connection.rs: id, tool_name, session_id), ours beside it.
    expect(
      ryvosEvent(
        envelope("approval_requested", { session_id: "s1", approval_id: "ap-1", tool: "Bash", input: {} }),
      ),
    ).toMatchObject({
      session_id: "s1",
      event: {
        kind: "approval_requested",
        tool: "Bash",
        data: { id: "ap-1", tool_name: "Bash", session_id: "s1" },
      },
    });
  });
});

describe("base64 for the Viben terminal dialect", () => {
  it("round-trips UTF-8 text, large text included, and refuses what is not base64", () => {
    for (const text of ["", "ls -la\n", "héllo 本地 🚀", "x".repeat(200_000)]) {
      const encoded = encodeBase64(text);
      expect(encoded).toBe(Buffer.from(text, "utf8").toString("base64"));
      expect(decodeBase64(encoded)).toBe(text);
    }
    expect(decodeBase64("not base64!")).toBeUndefined();
    expect(decodeBase64("abcde")).toBeUndefined(); // a length no base64 text has
    expect(decodeBase64("aGk")).toBe("hi"); // padding may be left off
  });
});
