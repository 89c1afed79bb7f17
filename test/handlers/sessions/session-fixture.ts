import { expect } from "vitest";
import { createTestApp, HOME, jsonRequest } from "../../helpers/app.js";

export type Json = Record<string, unknown>;

/** A memory-backed app with agents `coder` (Claude Code) and `other` (Codex), and session `s-1` of coder. */
export async function setup() {
  const ctx = createTestApp();
  await ctx.app.request("/api/agent", jsonRequest("POST", { name: "Coder", executor_type: "CLAUDE_CODE" }));
  await ctx.app.request("/api/agent", jsonRequest("POST", { name: "Other", executor_type: "CODEX" }));
  const res = await ctx.app.request(
    "/api/agent/coder/sessions",
    jsonRequest("POST", { workdir: HOME, title: "First", id: "s-1" }),
  );
  expect(res.status).toBe(201);
  return ctx;
}
