import { appendFile, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FsAppendLog } from "../../storage/drivers/fs-append-log.js";
import { fsBackends } from "../../storage/drivers/fs-atomic.js";
import { memoryBackends } from "../../storage/drivers/memory.js";
import { MemoryAppendLog } from "../../storage/drivers/memory-append-log.js";
import { StorageError } from "../../storage/errors.js";
import { HistoryRepository } from "../../storage/history.js";
import { Scopes } from "../../storage/scopes.js";
import { type SessionMessageInput, SessionRepository, titleFrom } from "../../storage/sessions.js";

const BASE = {
  agent_id: "coder",
  agent_source: "global",
  workspace_path: "/home/u",
  workdir: "/home/u/p",
} as const;

function clock(start = "2026-01-01T00:00:00.000Z") {
  let time = Date.parse(start);
  return () => {
    time += 1000;
    return new Date(time);
  };
}

function memoryRepos(options: { ids?: boolean } = {}) {
  const scopes = new Scopes({ home: "/home/u", globalRoot: "/home/u/.viben", backend: memoryBackends() });
  const log = new MemoryAppendLog();
  const now = clock();
  let n = 0;
  const newId = options.ids === false ? undefined : () => `id-${++n}`;
  const history = new HistoryRepository({ log, now, ...(newId ? { newId } : {}) });
  const sessions = new SessionRepository({
    scope: scopes.global(),
    log,
    history,
    now,
    ...(newId ? { newId } : {}),
  });
  return { scopes, log, history, sessions };
}

async function caught(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  return error as StorageError;
}

describe("SessionRepository metadata", () => {
  it("creates with a random UUID or a validated explicit id, refusing duplicates", async () => {
    const { sessions } = memoryRepos({ ids: false });
    const created = await sessions.create({ ...BASE, executor_type: "CLAUDE_CODE" });
    expect(created.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(created).toMatchObject({
      ...BASE,
      executor_type: "CLAUDE_CODE",
      title: "",
      status: "idle",
      message_count: 0,
      tokens: { input: 0, output: 0 },
      cost_cents: 0,
    });
    expect(created.created_at).toBe(created.last_activity);
    expect(await sessions.get(created.id)).toEqual(created);

    await sessions.create({ ...BASE, id: "mine", title: "  Named \n session " });
    expect((await sessions.get("mine")).title).toBe("Named session");
    const exists = await caught(sessions.create({ ...BASE, id: "mine" }));
    expect([exists.kind, exists.code]).toEqual(["conflict", "SESSION_EXISTS"]);
    expect((await caught(sessions.create({ ...BASE, id: "../x" }))).details.field).toBe("id");
    const source = await caught(sessions.create({ ...BASE, agent_source: "elsewhere" as "global" }));
    expect([source.kind, source.details.field]).toEqual(["validation", "agent_source"]);
  });

  it("reports a missing session as SESSION_NOT_FOUND", async () => {
    const { sessions } = memoryRepos();
    expect(await sessions.find("nope")).toBeNull();
    for (const call of [
      sessions.get("nope"),
      sessions.update("nope", { title: "x" }),
      sessions.delete("nope"),
      sessions.appendMessages("nope", [{ role: "user", content: "hi" }]),
      sessions.listMessages("nope"),
      sessions.uiMessages("nope"),
    ]) {
      const error = await caught(call);
      expect([error.kind, error.code]).toEqual(["not_found", "SESSION_NOT_FOUND"]);
    }
  });

  it("lists by last activity, newest first, with filters and a limit", async () => {
    const { sessions } = memoryRepos();
    await sessions.create({ ...BASE, id: "a" });
    await sessions.create({ ...BASE, id: "b", agent_id: "other" });
    await sessions.create({ ...BASE, id: "c", workspace_path: "/work/p" });
    await sessions.appendMessages("a", [{ role: "user", content: "bump a" }]);
    expect((await sessions.list()).map((s) => s.id)).toEqual(["a", "c", "b"]);
    expect((await sessions.list({ agent_id: "coder" })).map((s) => s.id)).toEqual(["a", "c"]);
    expect((await sessions.list({ workspace_path: "/work/p" })).map((s) => s.id)).toEqual(["c"]);
    expect((await sessions.list({ limit: 1 })).map((s) => s.id)).toEqual(["a"]);
  });

  it("patches metadata, keeps unknown keys, increments counters and refuses managed fields", async () => {
    const { sessions } = memoryRepos();
    await sessions.create({ ...BASE, id: "s" });
    const updated = await sessions.update("s", {
      title: "Renamed",
      native_session_id: "native-1",
      tags: ["x"],
      add_tokens: { input: 10, output: 5 },
      add_cost_cents: 1.5,
    });
    expect(updated).toMatchObject({ title: "Renamed", native_session_id: "native-1", tags: ["x"] });
    expect(updated.tokens).toEqual({ input: 10, output: 5 });
    const again = await sessions.update("s", {
      tags: null,
      add_tokens: { input: 1, output: 1 },
      add_cost_cents: 1,
    });
    expect(again.tags).toBeUndefined();
    expect(again.tokens).toEqual({ input: 11, output: 6 });
    expect(again.cost_cents).toBe(2.5);
    expect(again.add_tokens).toBeUndefined();
    for (const field of ["id", "agent_id", "created_at", "message_count"])
      expect((await caught(sessions.update("s", { [field]: "x" }))).details.field).toBe(field);
    expect((await caught(sessions.update("s", { status: "busy" }))).details.field).toBe("status");
    expect((await caught(sessions.update("s", { add_tokens: { input: -1, output: 0 } }))).details.field).toBe(
      "add_tokens.input",
    );
    // A refused patch changes nothing.
    expect((await sessions.get("s")).status).toBe("idle");
  });

  it("serialises concurrent increments", async () => {
    const { sessions } = memoryRepos();
    await sessions.create({ ...BASE, id: "s" });
    await Promise.all(
      Array.from({ length: 20 }, () => sessions.update("s", { add_tokens: { input: 1, output: 2 } })),
    );
    expect((await sessions.get("s")).tokens).toEqual({ input: 20, output: 40 });
  });
});

describe("SessionRepository messages", () => {
  it("assigns seq, ids and timestamps, and bumps message_count, last_activity and the title", async () => {
    const { sessions } = memoryRepos();
    const created = await sessions.create({ ...BASE, id: "s" });
    const [system] = await sessions.appendMessages("s", [{ role: "system", content: "be brief" }]);
    expect((await sessions.get("s")).title).toBe("");
    const long = `  ${"word ".repeat(40)}`;
    const batch = await sessions.appendMessages("s", [
      { role: "user", content: long, run_id: "r1" },
      { role: "assistant", content: "ok", id: "given", timestamp: "2020-01-01T00:00:00.000Z" },
    ]);
    expect(system).toMatchObject({ id: "id-1", seq: 1, session_id: "s", role: "system" });
    expect(batch.map((m) => [m.seq, m.id])).toEqual([
      [2, "id-2"],
      [3, "given"],
    ]);
    expect(batch[1]!.timestamp).toBe("2020-01-01T00:00:00.000Z");
    const meta = await sessions.get("s");
    expect(meta.message_count).toBe(3);
    expect(meta.last_activity > created.last_activity).toBe(true);
    expect(meta.title).toBe(titleFrom(long));
    expect(meta.title.length).toBeLessThanOrEqual(80);
    expect(meta.title.startsWith("word word")).toBe(true);
    await sessions.appendMessages("s", [{ role: "user", content: "second question" }]);
    expect((await sessions.get("s")).title).toBe(meta.title);
  });

  it("validates messages, naming the field", async () => {
    const { sessions } = memoryRepos();
    await sessions.create({ ...BASE, id: "s" });
    const error = await caught(
      sessions.appendMessages("s", [
        { role: "user", content: "fine" },
        { role: "robot", content: "x" } as unknown as SessionMessageInput,
      ]),
    );
    expect([error.kind, error.details.field]).toEqual(["validation", "messages.1.role"]);
    expect((await sessions.listMessages("s")).messages).toEqual([]);
  });

  it("gives concurrent batches distinct, gapless seqs and one consistent count", async () => {
    const { sessions } = memoryRepos();
    await sessions.create({ ...BASE, id: "s" });
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        sessions.appendMessages("s", [
          { role: "user", content: `q${i}` },
          { role: "assistant", content: `a${i}` },
        ]),
      ),
    );
    const { messages } = await sessions.listMessages("s", { limit: 100 });
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect((await sessions.get("s")).message_count).toBe(50);
  });

  it("pages messages backwards and forwards with cursors", async () => {
    const { sessions } = memoryRepos();
    await sessions.create({ ...BASE, id: "s" });
    await sessions.appendMessages(
      "s",
      Array.from({ length: 7 }, (_, i) => ({ role: "user" as const, content: `m${i}` })),
    );
    const newest = await sessions.listMessages("s", { limit: 3 });
    expect(newest.messages.map((m) => m.content)).toEqual(["m4", "m5", "m6"]);
    expect(newest.next_cursor).toBeUndefined();
    const older = await sessions.listMessages("s", { limit: 3, before: newest.prev_cursor! });
    expect(older.messages.map((m) => m.content)).toEqual(["m1", "m2", "m3"]);
    const newer = await sessions.listMessages("s", { limit: 10, after: older.next_cursor! });
    expect(newer.messages.map((m) => m.content)).toEqual(["m4", "m5", "m6"]);
    const both = await caught(
      sessions.listMessages("s", { before: older.prev_cursor!, after: older.next_cursor! }),
    );
    expect(both.details.field).toBe("cursor");
    expect((await caught(sessions.listMessages("s", { before: "bogus!" }))).details.field).toBe("cursor");
  });

  it("folds tool messages into the preceding assistant turn for the UI", async () => {
    const { sessions } = memoryRepos();
    await sessions.create({ ...BASE, id: "s" });
    await sessions.appendMessages("s", [
      { role: "system", content: "hidden" },
      { role: "user", content: "disk usage?" },
      {
        role: "assistant",
        content: "checking",
        tool_calls: [{ id: "t1", name: "bash", input: { cmd: "df" } }],
      },
      { role: "tool", content: "42%", tool_use_id: "t1", tool_name: "bash" },
      { role: "assistant", content: "", tool_calls: [{ id: "t2", name: "read", input: "x" }] },
      { role: "tool", content: "denied", tool_use_id: "t2", is_error: true },
      { role: "tool", content: "orphan", tool_use_id: "t9", tool_name: "grep" },
      { role: "assistant", content: "42% used" },
    ]);
    const ui = await sessions.uiMessages("s");
    expect(ui.map((m) => [m.role, m.content])).toEqual([
      ["user", "disk usage?"],
      ["assistant", "checking"],
      ["assistant", ""],
      ["assistant", "42% used"],
    ]);
    expect(ui[0]!.tool_calls).toBeUndefined();
    expect(ui[1]!.tool_calls).toEqual([
      { id: "t1", name: "bash", input: { cmd: "df" }, result: "42%", is_error: false },
    ]);
    expect(ui[2]!.tool_calls).toEqual([
      { id: "t2", name: "read", input: "x", result: "denied", is_error: true },
      { id: "t9", name: "grep", input: null, result: "orphan", is_error: false },
    ]);
    expect(ui[3]!.tool_calls).toEqual([]);
    expect(Object.keys(ui[1]!).sort()).toEqual(["content", "id", "role", "timestamp", "tool_calls"]);
  });
});

describe("SessionRepository runs and deletion", () => {
  it("begins a run with its message in one metadata write: running, counted, titled", async () => {
    const { sessions } = memoryRepos();
    await sessions.create({ ...BASE, id: "s" });
    await sessions.appendMessages("s", [{ role: "assistant", content: "hello" }]);
    const running = await sessions.beginRun("s", "run-1", [
      { role: "user", content: "Fix the  flaky\ntest", run_id: "run-1" },
    ]);
    expect(running).toMatchObject({
      status: "running",
      message_count: 2,
      title: "Fix the flaky test",
      last_run: { run_id: "run-1", status: "running" },
    });
    const page = await sessions.listMessages("s");
    expect(page.messages.map((m) => [m.seq, m.role, m.run_id])).toEqual([
      [1, "assistant", undefined],
      [2, "user", "run-1"],
    ]);
    await expect(sessions.beginRun("s", "", [])).rejects.toMatchObject({ kind: "validation" });
    await expect(sessions.beginRun("missing", "r", [])).rejects.toMatchObject({ kind: "not_found" });
  });

  it("records a run on the session and in the agent's history", async () => {
    const { sessions, history } = memoryRepos();
    await sessions.create({ ...BASE, id: "s" });
    const running = await sessions.startRun("s", "run-1");
    expect(running.status).toBe("running");
    expect(running.last_run).toMatchObject({ run_id: "run-1", status: "running" });
    const { session, history: record } = await sessions.finishRun("s", {
      run_id: "run-1",
      status: "completed",
      prompt: "Write a function",
      response: "y".repeat(500),
      tokens: { input: 50, output: 200 },
      cost_cents: 0.8,
      exit_code: 0,
    });
    expect(session).toMatchObject({ status: "idle", tokens: { input: 50, output: 200 }, cost_cents: 0.8 });
    expect(session.last_run).toMatchObject({ run_id: "run-1", status: "completed", exit_code: 0 });
    expect(session.last_run!.ended_at! > session.last_run!.started_at).toBe(true);
    expect(record).toMatchObject({
      agent_id: "coder",
      session_id: "s",
      run_id: "run-1",
      status: "completed",
    });
    expect(record.response_preview).toHaveLength(200);
    expect(record.duration_ms).toBe(1000);
    expect(record.created_at).toBe(running.last_run!.started_at);
    await sessions.finishRun("s", {
      run_id: "run-2",
      status: "failed",
      prompt: "again",
      error: "boom",
      exit_code: null,
    });
    const after = await sessions.get("s");
    expect(after.tokens).toEqual({ input: 50, output: 200 });
    expect(after.last_run).toMatchObject({
      run_id: "run-2",
      status: "failed",
      error: "boom",
      exit_code: null,
    });
    expect((await history.list("coder")).records.map((r) => r.run_id)).toEqual(["run-2", "run-1"]);
  });

  it("fails runs left running by a previous process", async () => {
    const { sessions } = memoryRepos();
    await sessions.create({ ...BASE, id: "a" });
    await sessions.create({ ...BASE, id: "b" });
    await sessions.startRun("a", "r");
    expect(await sessions.recoverInterrupted()).toBe(1);
    const a = await sessions.get("a");
    expect(a.status).toBe("idle");
    expect(a.last_run).toMatchObject({ status: "failed", error: expect.stringMatching(/interrupted/) });
    expect(await sessions.recoverInterrupted()).toBe(0);
  });

  it("deletes metadata and messages; a new session with the same id starts empty", async () => {
    const { sessions, log } = memoryRepos();
    await sessions.create({ ...BASE, id: "s" });
    await sessions.appendMessages("s", [{ role: "user", content: "hi" }]);
    await sessions.delete("s");
    expect(await sessions.find("s")).toBeNull();
    expect(await log.count("sessions:s:messages.jsonl")).toBe(0);
    await sessions.create({ ...BASE, id: "s" });
    const [first] = await sessions.appendMessages("s", [{ role: "user", content: "again" }]);
    expect(first!.seq).toBe(1);
  });
});

describe("sessions on disk", () => {
  let dir: string;
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function open(root: string) {
    const scopes = new Scopes({ home: dir, globalRoot: root, backend: fsBackends() });
    const log = new FsAppendLog(root);
    const now = clock(new Date().toISOString());
    const history = new HistoryRepository({ log, now });
    const sessions = new SessionRepository({ scope: scopes.global(), log, history, now });
    return { scopes, sessions, history };
  }

  it("survives a restart: metadata, messages, seq and history", async () => {
    dir = await mkdtemp(join(tmpdir(), "viben-sessions-"));
    const root = join(dir, ".viben");
    const first = await open(root);
    const created = await first.sessions.create({ ...BASE });
    await first.sessions.startRun(created.id, "r1");
    await first.sessions.appendMessages(created.id, [
      { role: "user", content: "hello" },
      { role: "assistant", content: "hi", tool_calls: [{ id: "t", name: "ls", input: {} }] },
      { role: "tool", content: "a b", tool_use_id: "t" },
    ]);
    await first.sessions.finishRun(created.id, {
      run_id: "r1",
      status: "completed",
      prompt: "hello",
      response: "hi",
    });
    await first.scopes.dispose();
    expect((await readdir(join(root, "sessions", created.id))).sort()).toEqual([
      "messages.jsonl",
      "session.yaml",
    ]);
    // Written as JSON, which any YAML reader reads.
    expect(parse(await readFile(join(root, "sessions", created.id, "session.yaml"), "utf8"))).toMatchObject({
      message_count: 3,
    });

    const second = await open(root);
    const meta = await second.sessions.get(created.id);
    expect(meta).toMatchObject({ title: "hello", message_count: 3, status: "idle" });
    expect((await second.sessions.listMessages(created.id)).messages.map((m) => m.content)).toEqual([
      "hello",
      "hi",
      "a b",
    ]);
    expect((await second.sessions.uiMessages(created.id))[1]!.tool_calls![0]!.result).toBe("a b");
    const [next] = await second.sessions.appendMessages(created.id, [{ role: "user", content: "more" }]);
    expect(next!.seq).toBe(4);
    expect((await second.history.list("coder")).total).toBe(1);
    expect((await second.history.stats("coder")).completed).toBe(1);
    await second.sessions.delete(created.id);
    expect(await readdir(join(root, "sessions")).catch(() => [])).toEqual([]);
    await second.scopes.dispose();
  });

  it("reads past a torn last line and keeps appending readable records after it", async () => {
    dir = await mkdtemp(join(tmpdir(), "viben-sessions-"));
    const root = join(dir, ".viben");
    const first = await open(root);
    await first.sessions.create({ ...BASE, id: "s" });
    await first.sessions.appendMessages("s", [
      { role: "user", content: "one" },
      { role: "assistant", content: "two" },
    ]);
    await first.scopes.dispose();
    // A crash mid-write: half a record, no newline.
    await appendFile(
      join(root, "sessions/s/messages.jsonl"),
      '{"id":"x","seq":3,"session_id":"s","role":"assi',
    );

    const second = await open(root);
    expect((await second.sessions.listMessages("s")).messages.map((m) => m.content)).toEqual(["one", "two"]);
    const [three] = await second.sessions.appendMessages("s", [{ role: "user", content: "three" }]);
    expect(three!.seq).toBe(3);
    const page = await second.sessions.listMessages("s", { limit: 2 });
    expect(page.messages.map((m) => m.content)).toEqual(["two", "three"]);
    expect((await second.sessions.listMessages("s", { before: page.prev_cursor! })).messages).toHaveLength(1);
    expect((await second.sessions.get("s")).message_count).toBe(3);
    const lines = (await readFile(join(root, "sessions/s/messages.jsonl"), "utf8")).split("\n");
    expect(lines).toHaveLength(5); // two records, the torn line (now terminated), the new record, ""
    await second.scopes.dispose();
  });
});
