/*
 * Session operations for a native agent (the gateway calls the model itself, with the session's stored
 * messages as the conversation): compaction calls the model for the summary, and fork, branch and the
 * compacted conversation are what the model is sent next. Against the local OpenAI-compatible stub.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import {
  type ChatRequest,
  chatContentText,
  type OpenAIChatStub,
  startOpenAIChatStub,
} from "../fixtures/openai-chat-stub.js";
import { type Json, jsonClient } from "../helpers/clients.js";

const lastUser = (body: ChatRequest) =>
  chatContentText(body.messages.findLast((m) => m.role === "user")?.content);
const seen = (body: ChatRequest) => body.messages.map((m) => chatContentText(m.content)).join("\n");

describe("session operations with a native agent", () => {
  let home: string;
  let workdir: string;
  let stub: OpenAIChatStub;
  let gw: RunningGateway;
  const { post, get } = jsonClient(() => gw.url);

  function reply(body: ChatRequest) {
    const prompt = lastUser(body);
    if (prompt.includes("Summarise the conversation below")) {
      return {
        text: "SUMMARY-NATIVE: papa and quebec.",
        usage: { prompt_tokens: 300, completion_tokens: 20 },
      };
    }
    return { text: `Noted: ${prompt.slice(-30)}`, usage: { prompt_tokens: 1000, completion_tokens: 10 } };
  }
  const chat = async (session_id: string, message: string) => {
    const res = await post("/api/chat", { agent_id: "helper", session_id, message, workdir });
    expect(res.status).toBe(200);
  };
  const requestFor = (marker: string) => {
    const found = stub.requests.findLast((r) => lastUser(r).includes(marker));
    if (!found) throw new Error(`the stub never got ${marker}`);
    return found;
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-sessions-native-"));
    workdir = join(home, "work");
    await mkdir(workdir);
    stub = await startOpenAIChatStub((body) => reply(body));
    await mkdir(join(home, ".viben"), { recursive: true });
    await writeFile(
      join(home, ".viben/models.yaml"),
      "models:\n  - { id: local-model, provider_id: local, context_window: 32000 }\n",
    );
    gw = await startGateway({
      port: 0,
      env: { PATH: process.env.PATH, HOME: home, LOCAL_KEY: "sk-local", VIBEN_LOG_LEVEL: "silent" },
    });
    const provider = await post("/api/providers", {
      id: "local",
      type: "openai-compatible",
      base_url: `${stub.url}/v1`,
      api_key: "${LOCAL_KEY}",
    });
    expect(provider.status).toBe(201);
    const agent = await post("/api/agent", { name: "Helper", provider: "local", model: "local-model" });
    expect(agent.status).toBe(201);
  });
  afterAll(async () => {
    await gw?.close();
    await stub?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("fork and branch: each copy sends the model its own conversation", async () => {
    await chat("nat", "first PAPA");
    await chat("nat", "second QUEBEC");
    const fork = (await post("/sessions/nat/fork", { newSessionKey: "nat-fork" })).body as Json;
    const branch = (await post("/sessions/nat/branch", { newSessionKey: "nat-branch", messageIndex: 1 }))
      .body as Json;
    await chat(fork.id as string, "fork-only ROMEO");
    await chat("nat", "recall-nat");
    await chat(branch.id as string, "recall-branch");
    expect(seen(requestFor("recall-nat"))).not.toContain("ROMEO");
    expect(seen(requestFor("fork-only ROMEO"))).toContain("QUEBEC");
    const branchSaw = seen(requestFor("recall-branch"));
    expect(branchSaw).toContain("PAPA");
    expect(branchSaw).not.toContain("QUEBEC");
  });

  it("tokens read the context window from models.yaml; compaction calls the model and the next call starts from the summary", async () => {
    const tokens = await get("/sessions/nat/tokens");
    expect(tokens).toMatchObject({ contextWindow: 32000, model: "local-model", contextTokens: 1010 });
    expect(tokens.contextFill).toBeCloseTo(1010 / 32000);

    const compacted = await post("/sessions/nat/compact", { keepRecent: 2 });
    expect(compacted.status).toBe(200);
    expect(compacted.body).toMatchObject({ compacted: true, summarizedMessages: 4, keptMessages: 2 });
    // The summariser was sent the older messages only.
    const summariser = seen(requestFor("Summarise the conversation below"));
    expect(summariser).toContain("PAPA");
    expect(summariser).not.toContain("recall-nat");

    await chat("nat", "after-compact SIERRA");
    const saw = seen(requestFor("after-compact SIERRA"));
    expect(saw).toContain("SUMMARY-NATIVE");
    expect(saw).toContain("recall-nat");
    expect(saw).not.toContain("first PAPA");
  });
});
