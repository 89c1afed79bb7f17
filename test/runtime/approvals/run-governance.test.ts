import { describe, expect, it } from "vitest";
import { ApprovalBroker } from "../../../runtime/approvals/broker.js";
import { approvalPolicy, createRunGovernance } from "../../../runtime/approvals/run-governance.js";
import { createEventBus } from "../../../runtime/event-bus.js";
import type { NativeTool } from "../../../runtime/native/tools/native-tool.js";
import type { RunBinding } from "../../../runtime/runs/run-extensions.js";
import type { AgentRecord } from "../../../storage/agents.js";
import { ApprovalRuleRepository } from "../../../storage/approval-rules.js";
import { memoryBackends } from "../../../storage/drivers/memory.js";
import { Scopes } from "../../../storage/scopes.js";
import { silentLogger } from "../../helpers/app.js";

const agent = (config: Record<string, unknown>) =>
  ({
    id: "native",
    scope: { kind: "global" },
    configPath: "",
    config: { name: "n", ...config },
  }) as unknown as AgentRecord;
const binding = (config: Record<string, unknown>): RunBinding => ({
  runId: "r1",
  sessionId: "s1",
  agent: agent(config),
  workdir: "/w",
  depth: 0,
});

function setup() {
  const events = createEventBus();
  const scopes = new Scopes({ home: "/h", globalRoot: "/h/.viben", backend: memoryBackends() });
  let n = 0;
  const broker = new ApprovalBroker({
    events,
    rules: new ApprovalRuleRepository(scopes.global().store, () => new Date()),
    logger: silentLogger,
    newId: () => `ap-${++n}`,
    now: () => new Date(),
  });
  const ran: string[] = [];
  const tool = (name: string): NativeTool => ({
    name,
    description: name,
    inputSchema: {} as NativeTool["inputSchema"],
    execute: async () => {
      ran.push(name);
      return { text: `${name} ran`, isError: false };
    },
  });
  return { broker, governance: createRunGovernance(broker), tool, ran };
}

const context = () => ({
  workdir: "/w",
  signal: new AbortController().signal,
  shellTimeoutMs: 1000,
  env: {},
});

describe("run governance (native tools through the approval gate)", () => {
  it("asks for agents with approvals or Ryvos's pause_before, and only for the tools pause_before names", () => {
    expect(approvalPolicy(agent({}))).toBeUndefined();
    expect(approvalPolicy(agent({ approvals: false }))).toBeUndefined();
    expect(approvalPolicy(agent({ approvals: true, approval_timeout_secs: 9 }))).toEqual({ timeoutMs: 9000 });
    expect(approvalPolicy(agent({ pause_before: ["run_*"] }))).toEqual({ tools: ["run_*"] });
  });

  it("runs an allowed tool, and gives the model the denial instead of running a denied one", async () => {
    const { broker, governance, tool, ran } = setup();
    const gate = governance.approvalsFor(binding({ pause_before: ["run_shell"] }))!;
    const [shell, read] = gate.wrapTools([tool("run_shell"), tool("read_file")]);
    expect(await read!.execute({ path: "a" }, context())).toEqual({ text: "read_file ran", isError: false });

    const allowed = shell!.execute({ command: "ls" }, context());
    await expect.poll(() => broker.pending()).toHaveLength(1);
    await broker.decide(broker.pending()[0]!.approval_id, { decision: "allow", decidedBy: "local" });
    expect(await allowed).toEqual({ text: "run_shell ran", isError: false });

    const denied = shell!.execute({ command: "rm -rf /" }, context());
    await expect.poll(() => broker.pending()).toHaveLength(1);
    await broker.decide(broker.pending()[0]!.approval_id, {
      decision: "deny",
      reason: "never",
      decidedBy: "ops",
    });
    expect(await denied).toEqual({ isError: true, text: expect.stringContaining("never") });
    expect(ran).toEqual(["read_file", "run_shell"]);
  });

  it("withdraws a pending request when the run stops (its abort signal)", async () => {
    const { broker, governance, tool, ran } = setup();
    const [shell] = governance.approvalsFor(binding({ approvals: true }))!.wrapTools([tool("run_shell")]);
    const stop = new AbortController();
    const outcome = shell!.execute({ command: "ls" }, { ...context(), signal: stop.signal });
    await expect.poll(() => broker.pending()).toHaveLength(1);
    stop.abort();
    expect(await outcome).toMatchObject({ isError: true });
    expect(broker.pending()).toEqual([]);
    expect(ran).toEqual([]);
  });
});
