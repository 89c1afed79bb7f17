// Stored session messages → SDK messages: shapes every provider accepts, malformed entries skipped.
import { describe, expect, it } from "vitest";
import { historyToModelMessages } from "../../../runtime/native/history-messages.js";
import type { SessionMessage } from "../../../storage/sessions.js";
import { storedMessage } from "./native-harness.js";

const call = (id: string, name = "run_shell", input: unknown = { command: "ls" }) => ({ id, name, input });

describe("historyToModelMessages", () => {
  it("maps user, assistant, tool calls and results", () => {
    expect(
      historyToModelMessages([
        storedMessage(1, { role: "user", content: "list files" }),
        storedMessage(2, { role: "assistant", content: "Sure.", tool_calls: [call("c1")] }),
        storedMessage(3, { role: "tool", content: "a.txt", tool_use_id: "c1", tool_name: "run_shell" }),
        storedMessage(4, { role: "assistant", content: "There is a.txt." }),
      ]),
    ).toEqual([
      { role: "user", content: "list files" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Sure." },
          { type: "tool-call", toolCallId: "c1", toolName: "run_shell", input: { command: "ls" } },
        ],
      },
      {
        role: "tool",
        content: [
          {
            type: "tool-result",
            toolCallId: "c1",
            toolName: "run_shell",
            output: { type: "text", value: "a.txt" },
          },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "There is a.txt." }] },
    ]);
  });

  it("merges consecutive assistant messages and their results, and marks errors", () => {
    const messages = historyToModelMessages([
      storedMessage(1, { role: "user", content: "go" }),
      storedMessage(2, { role: "assistant", content: "", tool_calls: [call("c1")] }),
      storedMessage(3, {
        role: "assistant",
        content: "",
        tool_calls: [call("c2", "read_file", { path: "x" })],
      }),
      storedMessage(4, { role: "tool", content: "boom", tool_use_id: "c1", is_error: true }),
      storedMessage(5, { role: "tool", content: "x!", tool_use_id: "c2" }),
    ]);
    expect(messages.map((message) => message.role)).toEqual(["user", "assistant", "tool"]);
    expect(messages[2]?.content).toEqual([
      {
        type: "tool-result",
        toolCallId: "c1",
        toolName: "run_shell",
        output: { type: "error-text", value: "boom" },
      },
      { type: "tool-result", toolCallId: "c2", toolName: "read_file", output: { type: "text", value: "x!" } },
    ]);
  });

  it("gives a call without a recorded result a placeholder (a run stopped mid-tool)", () => {
    const messages = historyToModelMessages([
      storedMessage(1, { role: "user", content: "go" }),
      storedMessage(2, { role: "assistant", content: "", tool_calls: [call("c1")] }),
      storedMessage(3, { role: "user", content: "again" }),
    ]);
    expect(messages.map((message) => message.role)).toEqual(["user", "assistant", "tool", "user"]);
    expect(messages[2]?.content).toEqual([
      expect.objectContaining({
        toolCallId: "c1",
        output: { type: "error-text", value: expect.stringContaining("no result") },
      }),
    ]);
  });

  it("skips malformed and unmatched entries", () => {
    const history = [
      storedMessage(1, { role: "system", content: "executor note" }),
      storedMessage(2, { role: "tool", content: "orphan result", tool_use_id: "nobody" }),
      storedMessage(3, { role: "user", content: "hi" }),
      storedMessage(4, {
        role: "assistant",
        content: "ok",
        // No id (some executors record none), no name, a duplicate id, and a non-object input.
        tool_calls: [call(""), { id: "c9", name: "", input: {} }, call("c1", "t", "raw"), call("c1")],
      }),
      storedMessage(5, { role: "tool", content: "r", tool_use_id: "c1" }),
      storedMessage(6, { role: "tool", content: "duplicate", tool_use_id: "c1" }),
      { role: "assistant" } as unknown as SessionMessage,
      null as unknown as SessionMessage,
      storedMessage(7, { role: "user", content: "   " }),
    ];
    expect(historyToModelMessages(history)).toEqual([
      { role: "user", content: "hi" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "ok" },
          { type: "tool-call", toolCallId: "c1", toolName: "t", input: { input: "raw" } },
        ],
      },
      {
        role: "tool",
        content: [
          { type: "tool-result", toolCallId: "c1", toolName: "t", output: { type: "text", value: "r" } },
        ],
      },
    ]);
  });
});
