// A native agent delegates through its `delegate` tool: the RunManager gives the tool to runs of agents
// with `delegation: true`, and the delegated run is an ordinary run one level deeper.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GatewayDelegation } from "../../../runtime/delegation/index.js";
import { createEventBus } from "../../../runtime/event-bus.js";
import { createNativeRunner } from "../../../runtime/native/index.js";
import { nodePaths } from "../../../runtime/node/capabilities.js";
import { RunManager } from "../../../runtime/runs/run-manager.js";
import { AgentContextRepository } from "../../../storage/agent-context.js";
import { AgentRoutesRepository } from "../../../storage/agent-routes.js";
import { AgentRepository } from "../../../storage/agents.js";
import { memoryBackends } from "../../../storage/drivers/memory.js";
import { MemoryAppendLog } from "../../../storage/drivers/memory-append-log.js";
import { HistoryRepository } from "../../../storage/history.js";
import { Scopes } from "../../../storage/scopes.js";
import { SessionRepository } from "../../../storage/sessions.js";
import {
  chatContentText,
  chatToolResults,
  type OpenAIChatStub,
  startOpenAIChatStub,
} from "../../fixtures/openai-chat-stub.js";
import { collectingLogger, makeWorkdir, TEST_PRICING } from "../native/native-harness.js";

const logger = collectingLogger();
let stub: OpenAIChatStub;
let workdir: { dir: string; cleanup: () => Promise<void> };

beforeEach(async () => {
  workdir = await makeWorkdir();
});

afterEach(async () => {
  await stub?.close();
  await workdir.cleanup();
});

async function gateway(maxDepth: number) {
  const now = () => new Date();
  const scopes = new Scopes({
    home: workdir.dir,
    globalRoot: `${workdir.dir}/.viben`,
    backend: memoryBackends(),
  });
  const store = scopes.global().store;
  await store.writeRaw("agents:boss:config.yaml", "name: boss\nprovider: stub\nmodel: m\ndelegation: true\n");
  await store.writeRaw(
    "agents:helper:config.yaml",
    "name: helper\nprovider: stub\nmodel: m\ndelegation: true\n",
  );
  await store.writeRaw("routes.yaml", `delegation:\n  max_depth: ${maxDepth}\n`);
  const log = new MemoryAppendLog();
  const sessions = new SessionRepository({
    scope: scopes.global(),
    log,
    history: new HistoryRepository({ log }),
  });
  const agents = new AgentRepository(now);
  const delegation = new GatewayDelegation({
    scopes,
    paths: nodePaths,
    agents,
    sessions,
    routes: new AgentRoutesRepository(scopes.global()),
    contexts: new AgentContextRepository(scopes.global(), now),
    log,
    workdirRoots: async () => [workdir.dir],
    logger,
    version: "test",
  });
  let id = 0;
  const runs = new RunManager({
    sessions,
    events: createEventBus(),
    executors: { list: async () => [], get: async () => Promise.reject(new Error("no executors")) },
    globalScope: scopes.global(),
    env: {},
    logger,
    newId: () => `run-${++id}`,
    now,
    native: createNativeRunner({
      resolveProvider: async () => ({
        id: "local",
        name: "Local",
        type: "openai-compatible",
        base_url: stub.baseURL,
      }),
      pricing: async () => TEST_PRICING,
      logger,
      maxRetries: 0,
    }),
    extensions: delegation.extensions,
  });
  delegation.attach(runs);
  const boss = (await agents.find([scopes.global()], "boss"))!;
  return { runs, delegation, boss };
}

/** Boss asks helper; helper (itself allowed to delegate) asks boss back; the model reads each tool result. */
function script() {
  return startOpenAIChatStub((body) => {
    const results = chatToolResults(body);
    if (results.length > 0) return { text: `relayed: ${chatContentText(results.at(-1)!.content)}` };
    const prompt = chatContentText(body.messages.findLast((m) => m.role === "user")?.content);
    if (prompt === "start") {
      return { toolCalls: { id: "c1", name: "delegate", arguments: { agent: "helper", task: "go deeper" } } };
    }
    if (prompt === "go deeper") {
      return { toolCalls: { id: "c2", name: "delegate", arguments: { agent: "boss", task: "bottom" } } };
    }
    return { text: `answer to ${prompt}` };
  });
}

describe("native delegation", () => {
  it("gives the delegate tool to the run, and the delegated runs go one level deeper each", async () => {
    stub = await script();
    const { runs, delegation, boss } = await gateway(2);
    const handle = await runs.start({ agent: boss, prompt: "start", workdir: workdir.dir, source: "chat" });
    const outcome = await handle.done;
    expect(outcome.status).toBe("completed");
    expect(outcome.response).toBe("relayed: relayed: answer to bottom");
    expect(stub.requests[0]!.tools?.map((t) => t.function.name)).toContain("delegate");
    const records = await delegation.list(10);
    expect(records.map((r) => [r.agent_id, r.parent_agent_id, r.depth, r.channel])).toEqual([
      ["helper", "boss", 1, "native"],
      ["boss", "helper", 2, "native"],
    ]);
  });

  it("refuses a delegation past the depth limit, as the tool's error", async () => {
    stub = await script();
    const { runs, boss } = await gateway(1);
    const handle = await runs.start({ agent: boss, prompt: "start", workdir: workdir.dir, source: "chat" });
    const outcome = await handle.done;
    // helper's own delegation (depth 2) is refused; helper relays the refusal, boss relays helper.
    expect(outcome.response).toContain("delegation refused: it would be 2 levels deep and the limit is 1");
  });
});
