// Routing and delegation against a real gateway, with the real Claude Code and Codex CLIs answering from
// local model stubs: a Claude Code run delegates to a Codex agent through the gateway's MCP server.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import {
  type AnthropicStub,
  contentText,
  type MessagesRequest,
  startAnthropicStub,
  toolResults,
} from "../fixtures/anthropic-stub.js";
import { messageTexts, type ResponsesStub, startResponsesStub } from "../fixtures/openai-responses-stub.js";
import { configureRealClaudeHome, realClaudeEnv } from "../helpers/real-claude-home.js";
import { configureRealCodexHome } from "../helpers/real-codex-home.js";

// biome-ignore lint/suspicious/noExplicitAny: the answers are read field by field, as a client would.
type Loose = any;

/** Claude Code names an MCP tool `mcp__<server>__<tool>`; the gateway's server is `viben`. */
const DELEGATE_TOOL = "mcp__viben__delegate";

let home: string;
let gw: RunningGateway;
let claudeStub: AnthropicStub;
let codexStub: ResponsesStub;
/** Set by the parallel test: the Codex stub holds requests until this many have arrived. */
let codexGate: { waitFor: number; arrived: number; release?: () => void } | undefined;

const lastUserText = (body: MessagesRequest) => contentText(body.messages.at(-1)?.content);
const codexPrompt = (body: Parameters<typeof messageTexts>[0]) => messageTexts(body).at(-1) ?? "";

async function post(path: string, body: unknown, method = "POST") {
  const response = await fetch(`${gw.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, Loose> };
}

/** Writes routes.yaml as a user would and checks, through the API, that the new rules are in force. */
async function writeRoutes(yaml: string, ready: (view: Loose) => boolean) {
  await writeFile(join(home, ".viben/routes.yaml"), yaml);
  await expect
    .poll(async () => ready(await (await fetch(`${gw.url}/api/routing/rules`)).json()), { timeout: 15_000 })
    .toBe(true);
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "viben-delegation-"));
  await mkdir(join(home, "project"));
  await mkdir(join(home, ".codex"));
  await configureRealClaudeHome(home, 120);
  claudeStub = await startAnthropicStub((body) => {
    const results = toolResults(body);
    if (results.length > 0) return { text: `Claude relays: ${contentText(results[0]!.content)}` };
    const text = lastUserText(body);
    if (text.includes("Pick the agent")) return { text: '{"agent": "codex"}' };
    if (text.includes("please delegate") && body.tools?.some((t) => t.name === DELEGATE_TOOL)) {
      return {
        toolUse: { name: DELEGATE_TOOL, input: { agent: "codex", task: "What is six times seven?" } },
      };
    }
    return { text: "hello from claude" };
  });
  codexStub = await startResponsesStub(async (body) => {
    const prompt = codexPrompt(body);
    if (codexGate) {
      // Held until every parallel sub-task has reached the model: only parallel runs get here together.
      const gate = codexGate;
      gate.arrived += 1;
      await new Promise<void>((resolve) => {
        if (gate.arrived >= gate.waitFor) {
          gate.release?.();
          resolve();
        } else {
          const previous = gate.release;
          gate.release = () => {
            previous?.();
            resolve();
          };
        }
      });
    }
    const quoted = /ECHO:(\S+)/.exec(prompt)?.[1];
    if (quoted) return { text: `codex echoes ${quoted}` };
    if (prompt.includes("six times seven")) return { text: "CODEX SAYS 42" };
    return { text: `codex saw: ${prompt.replace(/\s+/g, " ").slice(0, 2000)}` };
  });
  const codexEnv = await configureRealCodexHome(home, codexStub.url);
  gw = await startGateway({ port: 0, env: { ...realClaudeEnv(home, claudeStub.url), ...codexEnv } });
  // The Claude agent may delegate (delegation: true); the Codex agent is the one delegated to.
  await mkdir(join(home, ".viben/agents/claude"), { recursive: true });
  await writeFile(
    join(home, ".viben/agents/claude/config.yaml"),
    // No bypassPermissions: the gateway's own tool is allowed without asking (--allowedTools mcp__viben).
    "name: Claude\nexecutor_type: CLAUDE_CODE\nmodel: claude-sonnet-4-5\ndelegation: true\n",
  );
  const codex = await post("/api/agent", {
    name: "codex",
    executor_type: "CODEX",
    description: "Does arithmetic",
  });
  expect(codex.status).toBe(201);
});

afterAll(async () => {
  await gw?.close();
  await claudeStub?.close();
  await codexStub?.close();
  await rm(home, { recursive: true, force: true });
});

beforeEach(async () => {
  codexGate = undefined;
  await writeRoutes(
    "rules: []\n",
    (v) => v.rules.length === 0 && !v.classifier && v.delegation.max_depth === 3,
  );
});

describe("delegation from inside a run", () => {
  it("a Claude Code run delegates to a Codex agent through the gateway's MCP server and gets its answer", async () => {
    const chat = await post("/api/chat", { agent_id: "claude", message: "please delegate the sum" });
    expect(chat.status, JSON.stringify(chat.body)).toBe(200);
    expect(chat.body.response).toContain("Claude relays: CODEX SAYS 42");

    // Claude Code listed the gateway's tool and sent Codex's answer back as the tool result.
    const toolCall = claudeStub.requests.find((r) => r.tools?.some((t) => t.name === DELEGATE_TOOL));
    expect(toolCall).toBeDefined();
    const answered = claudeStub.requests.find((r) => toolResults(r).length > 0)!;
    expect(contentText(toolResults(answered)[0]!.content)).toBe("CODEX SAYS 42");

    const listed = (await (await fetch(`${gw.url}/api/delegations?limit=5`)).json()) as {
      delegations: Loose[];
    };
    const record = listed.delegations[0];
    expect(record).toMatchObject({
      agent_id: "codex",
      parent_agent_id: "claude",
      parent_session_key: chat.body.session_id,
      channel: "mcp",
      depth: 1,
      status: "completed",
      reply: "CODEX SAYS 42",
    });
  });

  it("refuses a delegation beyond the depth limit, and the run reads why as the tool's error", async () => {
    await writeRoutes("delegation:\n  max_depth: 0\n", (v) => v.delegation.max_depth === 0);
    const chat = await post("/api/chat", { agent_id: "claude", message: "please delegate again" });
    expect(chat.status).toBe(200);
    const answered = claudeStub.requests.findLast((r) => toolResults(r).length > 0)!;
    const result = toolResults(answered)[0]!;
    expect(result.is_error).toBe(true);
    expect(contentText(result.content)).toMatch(/1 levels deep and the limit is 0/);

    const direct = await post("/agent/delegate", { delegateAgent: "codex", query: "anything" });
    expect(direct.status).toBe(409);
    expect(direct.body).toMatchObject({
      code: "DELEGATION_DEPTH_EXCEEDED",
      details: { depth: 1, max_depth: 0 },
    });
  });
});

describe("delegation over HTTP", () => {
  it("POST /agent/delegate answers as the original, with our record beside it", async () => {
    const res = await post("/agent/delegate", {
      parentSessionKey: "cli-main",
      delegateAgent: "codex",
      query: "What is six times seven?",
      channel: "cli",
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      delegatedTo: "codex",
      reply: "CODEX SAYS 42",
      parent_session_key: "cli-main",
      channel: "cli",
      depth: 1,
    });
    expect(res.body.subSessionKey).toBe(res.body.session_id);
    expect(typeof res.body.durationMs).toBe("number");
  });

  it("runs sub-agents in parallel and gathers their answers in order", async () => {
    // The stub holds each request until both have arrived: sequential runs would never get past the first.
    codexGate = { waitFor: 2, arrived: 0 };
    const res = await post("/agent/subagents", {
      parentSessionKey: "cli-main",
      tasks: [
        { agent: "codex", query: "ECHO:first" },
        { agent_id: "codex", task: "ECHO:second" },
        { agent: "nobody-here", query: "ECHO:third" },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.count).toBe(3);
    expect(res.body.results.map((r: Loose) => r.reply)).toEqual([
      "codex echoes first",
      "codex echoes second",
      "",
    ]);
    expect(res.body.results[2]).toMatchObject({ agent: "nobody-here", code: "AGENT_NOT_FOUND" });
    expect(res.body.results[0].delegation.session_id).not.toBe(res.body.results[1].delegation.session_id);
  });

  it("prepends an agent's stored context to its next delegated run in that conversation", async () => {
    const set = await post("/agent/codex/context", {
      sessionKey: "ctx-convo",
      context: "The customer is ACME-77.",
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      agent: "codex",
      sessionKey: "ctx-convo",
      context: "The customer is ACME-77.",
    });
    expect(set.body.prompt).toContain("ACME-77");

    const res = await post("/api/delegations", {
      agent_id: "codex",
      task: "Who is the customer?",
      parent_session_key: "ctx-convo",
    });
    expect(res.status).toBe(200);
    expect(res.body.reply).toContain("The customer is ACME-77.");
    expect(res.body.reply).toContain("Your task: Who is the customer?");

    // Another conversation does not see it.
    const other = await post("/api/delegations", {
      agent_id: "codex",
      task: "Who?",
      parent_session_key: "other",
    });
    expect(other.body.reply).not.toContain("ACME-77");
    const read = await fetch(`${gw.url}/api/agent-context/codex?session_key=ctx-convo`);
    expect(((await read.json()) as Loose).context).toBe("The customer is ACME-77.");
  });

  it("hands a session to another agent, which answers with the conversation so far", async () => {
    const chat = await post("/api/chat", { agent_id: "claude", message: "say hello" });
    expect(chat.status).toBe(200);
    const sessionId = chat.body.session_id as string;
    const res = await post("/agent/handoff", {
      sessionKey: sessionId,
      newAgent: "codex",
      message: "carry on",
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      ok: true,
      session_id: sessionId,
      from_agent_id: "claude",
      agent_id: "codex",
    });
    expect(res.body.run.status).toBe("completed");
    expect(res.body.run.reply).toContain("hello from claude");
    expect(res.body.run.reply).toContain("carry on");

    const session = (await (await fetch(`${gw.url}/api/sessions/${sessionId}`)).json()) as Loose;
    expect(session.agent_id ?? session.session?.agent_id).toBe("codex");
  });

  it("refuses a delegation when the target agent's budget is spent", async () => {
    const configPath = join(home, ".viben/gateway.yaml");
    const before = await readFile(configPath, "utf8");
    await writeFile(configPath, `${before}\nbudgets:\n  agents:\n    codex:\n      daily_cents: 0\n`);
    try {
      const res = await post("/agent/delegate", { delegateAgent: "codex", query: "anything" });
      expect(res.status).toBe(402);
      expect(res.body.code).toBe("BUDGET_EXCEEDED");
    } finally {
      await writeFile(configPath, before);
    }
  });
});

describe("routing", () => {
  it("decides by the first matching rule and says which and why", async () => {
    await writeRoutes(
      [
        "rules:",
        "  - id: telegram-billing",
        "    agent: codex",
        "    channel: telegram",
        "    keywords: [refund, invoice]",
        "  - id: deploys",
        "    agent: claude",
        "    regex: '^/deploy\\b'",
        "fallback_agent: claude",
      ].join("\n"),
      (v) => v.rules.length === 2,
    );
    const routes = await (await fetch(`${gw.url}/agent/routes`)).json();
    expect(routes).toMatchObject([
      { id: "telegram-billing", mode: "codex", index: 0 },
      { id: "deploys", mode: "claude", index: 1 },
    ]);
    const billing = await post("/agent/route", { message: "I want a Refund", channel: "telegram" });
    expect(billing.body).toMatchObject({
      agent_id: "codex",
      mode: "codex",
      decided_by: "rule",
      rule: { id: "telegram-billing", index: 0, matched: ["channel=telegram", 'keyword "refund"'] },
    });
    expect(billing.body.explanation).toBe(
      "rule 'telegram-billing' (1 of 2) matched: channel=telegram, keyword \"refund\"",
    );
    // Same words on another channel: the first rule fails, the regex rule does not match, the fallback answers.
    const web = await post("/api/routing/route", { message: "refund please", channel: "web" });
    expect(web.body).toMatchObject({ agent_id: "claude", decided_by: "fallback" });
    expect(web.body.explanation).toContain("none of 2 rules matched");
    const deploy = await post("/api/routing/route", { message: "/deploy now" });
    expect(deploy.body).toMatchObject({ agent_id: "claude", decided_by: "rule", rule: { id: "deploys" } });
  });

  it("asks the classifier agent when no rule matches, and explains its pick", async () => {
    await writeRoutes(
      [
        "rules:",
        "  - agent: claude",
        "    sender: boss",
        "classifier:",
        "  agent: claude",
        "  candidates: [claude, codex]",
      ].join("\n"),
      (v) => v.classifier?.agent === "claude",
    );
    const res = await post("/agent/route", { message: "what is 17 squared?", currentAgent: "claude" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      agent_id: "codex",
      decided_by: "classifier",
      classifier: { agent_id: "claude", candidates: ["claude", "codex"] },
    });
    expect(res.body.explanation).toBe(
      "none of 1 rules matched; classifier agent 'claude' picked 'codex' among claude, codex",
    );
    const asked = claudeStub.requests.findLast((r) => lastUserText(r).includes("Pick the agent"))!;
    expect(lastUserText(asked)).toContain("- codex: Does arithmetic");
    expect(lastUserText(asked)).toContain("what is 17 squared?");
  });
});
