import { describe, expect, it } from "vitest";
import type { InteractiveRun, RunHandle, RunRequest } from "../../handlers/capabilities/runs.js";
import { BusySessions } from "../../runtime/runs/busy-sessions.js";
import { cliContinuation } from "../../runtime/runs/cli-continuation.js";
import { conflict } from "../../storage/errors.js";
import type { QueueMode } from "../../storage/session-queue-mode.js";
import type { SessionRecord } from "../../storage/sessions.js";

/** A fake run table: launch claims the session until `finish(sid)`. */
function harness(mode: QueueMode, interactive?: Partial<InteractiveRun>) {
  const running = new Map<string, { done: Promise<void>; finish: () => void }>();
  const launched: string[] = [];
  const stopped: string[] = [];
  const busy = new BusySessions({
    running: (sid) => running.get(sid)?.done,
    stop: async (sid) => {
      stopped.push(sid);
      running.get(sid)?.finish();
      return true;
    },
    findInteractive: () => interactive as InteractiveRun | undefined,
    mode: async () => mode,
    launch: async (request) => {
      const sid = request.sessionId!;
      if (running.has(sid)) throw new Error("claimed twice");
      let finish!: () => void;
      const done = new Promise<void>((resolve) => {
        finish = () => {
          running.delete(sid);
          resolve();
        };
      });
      running.set(sid, { done, finish });
      launched.push(request.prompt);
      return { runId: request.prompt, sessionId: sid, pid: 1, done } as unknown as RunHandle;
    },
    now: () => new Date("2026-01-01T00:00:00Z"),
  });
  const request = (prompt: string): RunRequest =>
    ({ prompt, sessionId: "s", source: "chat", workdir: "/w", agent: {} }) as unknown as RunRequest;
  return { busy, running, launched, stopped, request };
}

describe("BusySessions: a message to a running session follows the session's queue mode", () => {
  it("reject refuses with SESSION_BUSY", async () => {
    const h = harness("reject");
    await h.busy.start(h.request("one"));
    await expect(h.busy.start(h.request("two"))).rejects.toMatchObject({ code: "SESSION_BUSY" });
  });

  it("queue runs the messages one after another, in arrival order, and lists them while waiting", async () => {
    const h = harness("queue");
    await h.busy.start(h.request("one"));
    const second = h.busy.start(h.request("two"));
    const third = h.busy.start(h.request("three"));
    await Promise.resolve();
    expect(h.busy.pending("s").map((p) => p.message)).toEqual(["two", "three"]);
    h.running.get("s")!.finish();
    await second;
    expect(h.launched).toEqual(["one", "two"]);
    h.running.get("s")!.finish();
    await third;
    expect(h.launched).toEqual(["one", "two", "three"]);
    expect(h.busy.pending("s")).toEqual([]);
  });

  it("interrupt stops the current run and starts the new one", async () => {
    const h = harness("interrupt");
    await h.busy.start(h.request("one"));
    await h.busy.start(h.request("two"));
    expect(h.stopped).toEqual(["s"]);
    expect(h.launched).toEqual(["one", "two"]);
  });

  it("steer hands the message to a live interactive run that can take it, else queues it", async () => {
    const steered: string[] = [];
    const live = {
      runId: "live",
      sessionId: "s",
      pid: 7,
      done: Promise.resolve(),
      features: { steer: true, interrupt: true, questions: true },
      steer: (m: string) => steered.push(m),
    };
    const h = harness("steer", live as unknown as InteractiveRun);
    await h.busy.start(h.request("one"));
    const handle = await h.busy.start(h.request("two"));
    expect(steered).toEqual(["two"]);
    expect(handle.runId).toBe("live");

    const plain = harness("steer");
    await plain.busy.start(plain.request("one"));
    const queued = plain.busy.start(plain.request("two"));
    await Promise.resolve();
    expect(plain.busy.pending("s")).toHaveLength(1);
    plain.running.get("s")!.finish();
    await queued;
    expect(plain.launched).toEqual(["one", "two"]);
  });
});

describe("BusySessions: a steer the live run refuses (its turns are done)", () => {
  it("is queued after the run instead", async () => {
    const ending = {
      runId: "live",
      sessionId: "s",
      pid: 7,
      done: Promise.resolve(),
      features: { steer: true, interrupt: true, questions: true },
      steer: () => {
        throw conflict("RUN_ENDING", "the run is ending");
      },
    };
    const h = harness("steer", ending as unknown as InteractiveRun);
    await h.busy.start(h.request("one"));
    const queued = h.busy.start(h.request("two"));
    await Promise.resolve();
    expect(h.busy.pending("s")).toHaveLength(1);
    h.running.get("s")!.finish();
    await queued;
    expect(h.launched).toEqual(["one", "two"]);
  });
});

describe("cliContinuation: how an executor run continues its gateway session", () => {
  const base = { id: "s" } as SessionRecord;
  it("resumes the CLI's own session, forking it once after a fork", () => {
    expect(cliContinuation({ ...base, native_session_id: "n1" }, "hi", true)).toEqual({
      prompt: "hi",
      resumeSessionId: "n1",
    });
    expect(cliContinuation({ ...base, native_session_id: "n1", fork_on_resume: true }, "hi", true)).toEqual({
      prompt: "hi",
      resumeSessionId: "n1",
      forkSession: true,
    });
    expect(cliContinuation({ ...base, native_session_id: "n1", fork_on_resume: true }, "hi", false)).toEqual({
      prompt: "hi",
      resumeSessionId: "n1",
    });
  });

  it("forks the source's CLI session where the CLI can, else starts afresh with the transcript", () => {
    const forked = { ...base, fork_native_session_id: "n0", carry_over: "User: a" };
    expect(cliContinuation(forked, "hi", true)).toEqual({
      prompt: "hi",
      resumeSessionId: "n0",
      forkSession: true,
    });
    const fresh = cliContinuation(forked, "hi", false);
    expect(fresh.resumeSessionId).toBeUndefined();
    expect(fresh.prompt).toContain("User: a");
    expect(fresh.prompt.endsWith("hi")).toBe(true);
    expect(cliContinuation(base, "hi", true)).toEqual({ prompt: "hi" });
  });
});
