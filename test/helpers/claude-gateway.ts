import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { type AnthropicStub, type StubScript, startAnthropicStub } from "../fixtures/anthropic-stub.js";
import { configureRealClaudeHome, realClaudeEnv } from "./real-claude-home.js";

export interface ClaudeGateway {
  gw: RunningGateway;
  stub: AnthropicStub;
  home: string;
  workdir: string;
  close(): Promise<void>;
}

/**
 * A gateway on port 0 in a temporary HOME whose default agent `claude` is the real Claude Code CLI, talking
 * to a local Anthropic stub that answers with `script`. `gatewayYaml` is appended to the gateway.yaml that
 * configureRealClaudeHome writes.
 */
export async function startClaudeGateway(script: StubScript, gatewayYaml = ""): Promise<ClaudeGateway> {
  const home = await mkdtemp(join(tmpdir(), "viben-compat-"));
  const workdir = join(home, "project");
  await mkdir(workdir);
  await configureRealClaudeHome(home, 120);
  if (gatewayYaml) await writeFile(join(home, ".viben/gateway.yaml"), gatewayYaml, { flag: "a" });
  const stub = await startAnthropicStub(script);
  const gw = await startGateway({
    port: 0,
    env: realClaudeEnv(home, stub.url),
  });
  const post = (path: string, body: unknown, method = "POST") =>
    fetch(`${gw.url}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const created = await post("/api/agent", {
    name: "Claude",
    executor_type: "CLAUDE_CODE",
    model: "claude-sonnet-4-5",
    permission_mode: "bypassPermissions",
  });
  if (created.status !== 201) throw new Error(`agent not created: ${await created.text()}`);
  const setDefault = await post("/api/agent/default", { agent_id: "claude" }, "PUT");
  if (setDefault.status !== 200) throw new Error(`default agent not set: ${await setDefault.text()}`);
  return {
    gw,
    stub,
    home,
    workdir,
    async close() {
      await gw.close();
      await stub.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
