import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { EventBus, EventInput, GatewayEvent } from "../../../handlers/capabilities/events.js";
import { fingerprint, Guardian } from "../../../runtime/approvals/guardian.js";

/** A bus that keeps what is published; the guardian is driven through observe(). */
function recordingBus() {
  const published: EventInput[] = [];
  const bus = {
    publish(event: EventInput) {
      published.push(event);
      return { ...event, seq: published.length, ts: "" } as GatewayEvent;
    },
  } as unknown as EventBus;
  return { bus, hints: () => published.filter((e) => e.type === "guardian_hint") };
}

let seq = 0;
const event = (type: string, fields: Record<string, unknown> = {}): GatewayEvent => ({
  type,
  seq: ++seq,
  ts: new Date().toISOString(),
  run_id: "r1",
  session_id: "s1",
  agent_id: "a1",
  ...fields,
});

describe("Guardian", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("hints once the same tool call repeats N times (input compared with keys sorted), and hands it to the run", () => {
    const { bus, hints } = recordingBus();
    const guardian = new Guardian(bus, { doomLoopThreshold: 3 });
    guardian.observe(event("run_started"));
    guardian.observe(event("tool_start", { tool: "Bash", input: { command: "ls", cwd: "/x" } }));
    guardian.observe(event("tool_start", { tool: "Bash", input: { cwd: "/x", command: "ls" } }));
    expect(hints()).toEqual([]);
    guardian.observe(event("tool_start", { tool: "Bash", input: { command: "ls", cwd: "/x" } }));
    expect(hints()).toEqual([
      expect.objectContaining({ kind: "doom_loop", tool: "Bash", count: 3, run_id: "r1", session_id: "s1" }),
    ]);
    expect(guardian.takeHints("r1")).toEqual([expect.stringContaining("'Bash' 3 times")]);
    expect(guardian.takeHints("r1")).toEqual([]);
    guardian.stop();
  });

  it("does not count different inputs or tools as a loop", () => {
    const { bus, hints } = recordingBus();
    const guardian = new Guardian(bus, { doomLoopThreshold: 2 });
    guardian.observe(event("tool_start", { tool: "Bash", input: { command: "ls" } }));
    guardian.observe(event("tool_start", { tool: "Bash", input: { command: "pwd" } }));
    guardian.observe(event("tool_start", { tool: "Read", input: { command: "pwd" } }));
    expect(hints()).toEqual([]);
    guardian.stop();
  });

  it("hints when a live run has no event for the stall timeout, once per stall, and not while an approval waits", () => {
    const { bus, hints } = recordingBus();
    const guardian = new Guardian(bus, { stallTimeoutMs: 60_000 });
    guardian.observe(event("run_started"));
    vi.advanceTimersByTime(59_000);
    guardian.observe(event("delta", { content: "x" }));
    vi.advanceTimersByTime(59_000);
    expect(hints()).toEqual([]);
    vi.advanceTimersByTime(2_000);
    expect(hints()).toEqual([expect.objectContaining({ kind: "stall", idle_secs: 60 })]);
    vi.advanceTimersByTime(300_000);
    expect(hints()).toHaveLength(1);

    // Waiting for a person is not a stall; the clock starts again once decided.
    guardian.observe(event("approval_requested", { approval_id: "p1" }));
    vi.advanceTimersByTime(600_000);
    expect(hints()).toHaveLength(1);
    guardian.observe(event("approval_resolved", { approval_id: "p1", decided_by: "local" }));
    vi.advanceTimersByTime(60_000);
    expect(hints()).toHaveLength(2);

    // A run that ended is forgotten: no stall after its end.
    guardian.observe(event("run_complete"));
    vi.advanceTimersByTime(600_000);
    expect(hints()).toHaveLength(2);
    guardian.stop();
  });

  it("hints when a run nears its turn budget, and when a spend budget of its agent warns", () => {
    const { bus, hints } = recordingBus();
    const guardian = new Guardian(bus, { turnWarnPct: 80 });
    guardian.track("r1", { maxTurns: 5 });
    guardian.observe(event("run_started"));
    for (let i = 0; i < 3; i++) guardian.observe(event("turn_complete"));
    expect(hints()).toEqual([]);
    guardian.observe(event("turn_complete"));
    expect(hints()).toEqual([expect.objectContaining({ kind: "budget", used_turns: 4, max_turns: 5 })]);
    guardian.observe(event("turn_complete"));
    expect(hints()).toHaveLength(1);

    guardian.observe(
      event("budget_warning", { run_id: undefined, session_id: undefined, agent_id: "other" }),
    );
    expect(hints()).toHaveLength(1);
    guardian.observe(
      event("budget_warning", {
        run_id: undefined,
        session_id: undefined,
        spent_cents: 80,
        limit_cents: 100,
      }),
    );
    expect(hints()).toHaveLength(2);
    expect(hints()[1]).toMatchObject({
      kind: "budget",
      run_id: "r1",
      message: expect.stringContaining("$0.80"),
    });
    guardian.stop();
  });

  it("fingerprints inputs as Ryvos does: keys sorted at every level, cut at 300 characters", () => {
    expect(fingerprint({ b: 1, a: { d: 2, c: 3 } })).toBe(fingerprint({ a: { c: 3, d: 2 }, b: 1 }));
    expect(fingerprint({ text: "x".repeat(1000) })).toHaveLength(300);
  });
});
