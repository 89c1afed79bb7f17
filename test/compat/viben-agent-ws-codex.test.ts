// Follows the Viben interactive agent socket for an executor without a control channel:
//   LinXueyuanStdio/viben packages/core/src/gateway/routes/agent-ws.ts (start, steer, approve, cancel;
//     "No active proxy to steer"-style refusals come back as `error` frames and the socket stays open)
// The run is the real Codex CLI against the local Responses API stub (test/fixtures/openai-responses-stub.ts):
// it takes one prompt per process, so steer and approvals are refused clearly while the run goes on.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { type ResponsesStub, startResponsesStub } from "../fixtures/openai-responses-stub.js";
import { jsonClient, openWs } from "../helpers/clients.js";
import { gate } from "../helpers/interactive-claude.js";
import { configureRealCodexHome } from "../helpers/real-codex-home.js";

const _CODEX = resolve(import.meta.dirname, "../../node_modules/.bin/codex");

describe("/ws/agent/run with the real Codex CLI (no control channel)", () => {
  let home: string;
  let stub: ResponsesStub;
  let gw: RunningGateway;
  const held = gate();

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-codex-ws-"));
    await mkdir(join(home, "project"));
    await mkdir(join(home, ".codex"), { recursive: true });
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    stub = await startResponsesStub(async () => {
      await held.opened;
      return { text: "Hello from Codex." };
    });
    const codexEnv = await configureRealCodexHome(home, stub.url);
    gw = await startGateway({
      port: 0,
      env: codexEnv,
    });
    const created = await jsonClient(() => gw.url).post("/api/agent", {
      id: "codex",
      name: "Codex",
      executor_type: "CODEX",
      model: "gpt-5.5",
    });
    expect(created.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    held.open();
    await gw?.close();
    await stub?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("streams the run; steer and approve are refused with error frames while it goes on", async () => {
    const ws = await openWs(
      `${gw.url.replace(/^http/, "ws")}/ws/agent/run?cwd=${encodeURIComponent(join(home, "project"))}`,
    );
    ws.send({ type: "start", prompt: "hello", agent_id: "codex" });
    await ws.waitFor((f) => f.type === "status" && f.status === "running");
    ws.send({ type: "steer", message: "also this" });
    const steer = await ws.waitFor((f) => f.type === "error");
    expect(steer).toMatchObject({ code: "STEER_NOT_SUPPORTED" });
    expect(String(steer.message)).toContain("one prompt per run");
    ws.send({ type: "approve", plan_id: "p-1" });
    await ws.waitFor((f) => f.type === "error" && f.code === "QUESTIONS_NOT_SUPPORTED");
    held.open();
    const done = await ws.waitFor((f) => f.type === "done");
    expect(done).toMatchObject({ status: "completed" });
    const frames = ws.frames;
    expect(frames[0]).toMatchObject({ type: "session", executor_type: "CODEX" });
    expect(
      frames
        .filter((f) => f.type === "text")
        .map((f) => f.content)
        .join(""),
    ).toContain("Hello from Codex.");
    expect(frames.find((f) => f.type === "result")).toMatchObject({ subtype: "success" });
    await ws.close();
  });
});
