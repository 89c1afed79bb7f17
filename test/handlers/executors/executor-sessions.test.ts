import { describe, expect, it } from "vitest";
import type { NativeSession, NativeSessionStore } from "../../../handlers/capabilities/native-sessions.js";
import { notFound } from "../../../storage/errors.js";
import { createTestApp, HOME, json, jsonRequest, PROJECT } from "../../helpers/app.js";

const NATIVE_ID = "5d282397-a516-423b-9113-280a93c63d91";

function nativeSession(cwd: string): NativeSession {
  const at = "2026-01-02T03:04:05.000Z";
  return {
    summary: {
      id: NATIVE_ID,
      executor_type: "CLAUDE_CODE",
      workspace_path: cwd,
      cwd,
      created_at: at,
      updated_at: at,
      name: "list the files",
      message_count: 5,
      size_bytes: 100,
    },
    messages: [
      { id: "1", timestamp: at, type: "user", content: "list the files" },
      { id: "2", timestamp: at, type: "thinking", content: "ls it is" },
      {
        id: "3",
        timestamp: at,
        type: "tool_use",
        tool_use_id: "t1",
        tool_name: "Bash",
        tool_input: { command: "ls" },
      },
      {
        id: "4",
        timestamp: at,
        type: "tool_result",
        tool_use_id: "t1",
        content: "a.txt",
        tool_output: "a.txt",
        is_error: false,
      },
      { id: "5", timestamp: "not a time", type: "text", content: "One file." },
    ],
  };
}

/** A store holding one Claude Code session that ran in `cwd`. */
function fakeStore(cwd: string): NativeSessionStore {
  const session = nativeSession(cwd);
  return {
    executors: ["CLAUDE_CODE"],
    list: async () => ({ sessions: [session.summary], total: 1 }),
    read: async (_executor, id) => {
      if (id !== NATIVE_ID) throw notFound("NATIVE_SESSION_NOT_FOUND", `no session '${id}'`);
      return session;
    },
  };
}

const importPath = `/api/executors/CLAUDE_CODE/sessions/${NATIVE_ID}/import`;

describe("/api/executors/{id}/sessions", () => {
  it("answers 501 where the runtime cannot read the executors' logs (workerd)", async () => {
    const { app } = createTestApp();
    const res = await app.request("/api/executors/CLAUDE_CODE/sessions");
    expect(res.status).toBe(501);
    expect(await json(res)).toMatchObject({ code: "NOT_SUPPORTED_IN_RUNTIME" });
  });

  it("pages with next_offset and an unknown executor is 404", async () => {
    const { app } = createTestApp({ extend: () => ({ nativeSessions: fakeStore(PROJECT) }) });
    const body = await json(await app.request("/api/executors/cursor/sessions?limit=1"));
    expect(body).toMatchObject({
      executor_type: "CURSOR_AGENT",
      total: 1,
      offset: 0,
      limit: 1,
      next_offset: null,
    });
    expect((await app.request("/api/executors/NOPE/sessions")).status).toBe(404);
  });

  it("imports a session with its conversation, tool calls folded into the assistant turn", async () => {
    const { app, sessions } = createTestApp({ extend: () => ({ nativeSessions: fakeStore(PROJECT) }) });
    const res = await app.request(importPath, jsonRequest("POST", {}));
    expect(res.status).toBe(201);
    const session = await json(res);
    expect(session).toMatchObject({
      agent_id: "CLAUDE_CODE",
      native_session_id: NATIVE_ID,
      executor_type: "CLAUDE_CODE",
      workdir: PROJECT,
      workspace_path: HOME,
      title: "list the files",
      imported_messages: 4,
    });
    const page = await sessions.listMessages(session.id as string);
    expect(page.messages.map((m) => [m.role, m.content])).toEqual([
      ["user", "list the files"],
      ["assistant", ""],
      ["tool", "a.txt"],
      ["assistant", "One file."],
    ]);
    expect(page.messages[1]!.tool_calls).toEqual([{ id: "t1", name: "Bash", input: { command: "ls" } }]);
    expect(page.messages[2]).toMatchObject({ tool_use_id: "t1", is_error: false });
    const again = await app.request(importPath, jsonRequest("POST", { title: "other" }));
    expect(again.status).toBe(200);
    expect((await json(again)).id).toBe(session.id);
  });

  it("refuses a session that ran outside the allowed workdirs, and an agent of another executor", async () => {
    const outside = createTestApp({
      directories: ["/srv/app"],
      extend: () => ({ nativeSessions: fakeStore("/srv/app") }),
    });
    const refused = await outside.app.request(importPath, jsonRequest("POST", {}));
    expect(refused.status).toBe(400);
    expect(await json(refused)).toMatchObject({ details: { field: "workdir" } });
    expect(await outside.sessions.list()).toEqual([]);

    const { app } = createTestApp({ extend: () => ({ nativeSessions: fakeStore(PROJECT) }) });
    const mismatch = await app.request(importPath, jsonRequest("POST", { agent_id: "CODEX" }));
    expect(mismatch.status).toBe(400);
    expect(await json(mismatch)).toMatchObject({ code: "AGENT_EXECUTOR_MISMATCH" });
    const unknownDir = createTestApp({ extend: () => ({ nativeSessions: fakeStore("") }) });
    const noCwd = await unknownDir.app.request(importPath, jsonRequest("POST", {}));
    expect(noCwd.status).toBe(400);
    expect(await json(noCwd)).toMatchObject({
      code: "NATIVE_SESSION_WITHOUT_CWD",
      details: { field: "workdir" },
    });
    const badBody = await app.request(importPath, jsonRequest("POST", { agent_id: "a/b" }));
    expect(badBody.status).toBe(400);
    const missing = await app.request(
      `/api/executors/CLAUDE_CODE/sessions/${"0".repeat(36)}/import`,
      jsonRequest("POST", {}),
    );
    expect(missing.status).toBe(404);
  });
});
