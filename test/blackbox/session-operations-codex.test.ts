/*
 * Fork and compaction with the real Codex CLI against the local Responses stub. Codex has no fork of its
 * own: a forked session starts a fresh thread with the transcript, while the source resumes its thread.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import {
  messageTexts,
  type ResponsesRequest,
  type ResponsesStub,
  type StubReply,
  startResponsesStub,
} from "../fixtures/openai-responses-stub.js";
import type { Json } from "../helpers/clients.js";
import { configureRealCodexHome } from "../helpers/real-codex-home.js";

/** Everything the model was sent in one request, as text (user and assistant turns). */
const seen = (body: ResponsesRequest) =>
  [...messageTexts(body), ...messageTexts(body, "assistant")].join("\n");
const lastUser = (body: ResponsesRequest) => messageTexts(body).at(-1) ?? "";

describe("session operations with the real Codex CLI", () => {
  let home: string;
  let workdir: string;
  let stub: ResponsesStub;
  let gw: RunningGateway;

  function reply(body: ResponsesRequest): StubReply {
    const prompt = lastUser(body);
    if (prompt.includes("Summarise the conversation below")) return { text: "SUMMARY-CODEX: kilo and lima." };
    return { text: `Noted: ${prompt.slice(-30)}`, usage: { input_tokens: 50, output_tokens: 5 } };
  }

  const call = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as Json;
    if (res.status >= 300)
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  };
  const chat = (session_id: string, message: string) =>
    call("POST", "/api/chat", { agent_id: "codexer", session_id, message, workdir });
  const requestFor = (marker: string) => {
    const found = stub.requests.findLast((r) => lastUser(r).includes(marker));
    if (!found) throw new Error(`the stub never got ${marker}`);
    return found;
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-sessions-codex-"));
    workdir = join(home, "project");
    await mkdir(workdir);
    await mkdir(join(home, ".codex"), { recursive: true });
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    stub = await startResponsesStub(reply);
    gw = await startGateway({ port: 0, env: await configureRealCodexHome(home, stub.url) });
    await call("POST", "/api/agent", { name: "Codexer", executor_type: "CODEX" });
  });
  afterAll(async () => {
    await gw?.close();
    await stub?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("fork, then resume both: each remembers only its own later turns", async () => {
    await chat("cx", "remember KILO");
    const fork = await call("POST", "/api/sessions/cx/fork", { session_key: "cx-fork" });
    await chat("cx", "orig-only LIMA");
    await chat(fork.id as string, "fork-only MIKE");
    await chat("cx", "recall-orig");
    await chat(fork.id as string, "recall-fork");
    const origSaw = seen(requestFor("recall-orig"));
    expect(origSaw).toContain("KILO");
    expect(origSaw).toContain("LIMA");
    expect(origSaw).not.toContain("MIKE");
    const forkSaw = seen(requestFor("recall-fork"));
    expect(forkSaw).toContain("KILO");
    expect(forkSaw).toContain("MIKE");
    expect(forkSaw).not.toContain("LIMA");
  });

  it("compact runs the Codex agent with a summarise prompt; the next run starts from the summary", async () => {
    const result = await call("POST", "/api/sessions/cx/compact", { keep_recent: 0 });
    expect(result).toMatchObject({ compacted: true, summarized_messages: 6, kept_messages: 0 });
    await chat("cx", "after-compact NOVEMBER");
    const saw = seen(requestFor("after-compact NOVEMBER"));
    expect(saw).toContain("SUMMARY-CODEX");
    expect(saw).not.toContain("KILO");
  });
});
