import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../runtime/node/server.js";
import { type Json, jsonClient, openSse, openWs } from "../helpers/clients.js";
import { FAKE_CLAUDE_TOOL_RUN } from "../helpers/fake-claude-runs.js";
import { type RedisGateways, startRedisGateways } from "../helpers/redis-gateways.js";

/**
 * Three gateways (own data folders, global data shared through one Redis): a run on A is seen live on B
 * and replayed on C; an Idempotency-Key used on A holds on B; requests for a live run are passed to A.
 */
describe("events, Idempotency-Keys and run requests across three gateway instances on one Redis", () => {
  let setup: RedisGateways;
  let gateways: RunningGateway[];
  let homes: string[];

  beforeAll(async () => {
    setup = await startRedisGateways("events", 3, { gatewayYaml: "runs:\n  stop_grace_ms: 300\n" });
    ({ gateways, homes } = setup);
    // The agents are shared data: created once, on A, every instance has it.
    const created = await jsonClient(() => gateways[0]!.url).post("/api/agent", {
      name: "Coder",
      executor_type: "CLAUDE_CODE",
    });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await setup?.close();
  });

  it("streams a run on A to SSE and WebSocket clients of B, and replays it from Last-Event-ID on C", async () => {
    const [a, b, c] = gateways as [RunningGateway, RunningGateway, RunningGateway];
    const onA = jsonClient(() => a.url);
    const sse = await openSse(`${b.url}/api/events?agent_id=coder`);
    const ws = await openWs(`${b.url.replace("http", "ws")}/ws`);
    ws.send({ type: "subscribe", agent_id: "coder", id: "s1" });
    await ws.waitFor((f) => f.type === "subscribed");

    const spawned = await onA.post("/api/agent/coder/spawn", {
      prompt: "hello there tool",
      workdir: join(homes[0]!, "project"),
    });
    expect(spawned.status).toBe(200);
    const sessionId = spawned.body.session_id as string;
    const isEnd = (e: Json) => e.type === "run_complete" && e.session_id === sessionId;
    await sse.waitFor(isEnd);
    await ws.waitFor(isEnd);
    const ofRun = (events: Json[]) =>
      events.filter((e) => e.session_id === sessionId).map((e) => `${e.seq}:${e.type}`);
    const seenOnB = ofRun(sse.events);
    expect(ofRun(ws.frames)).toEqual(seenOnB);
    expect(seenOnB.map((t) => t.split(":")[1])).toEqual(FAKE_CLAUDE_TOOL_RUN);
    const deltas = sse.events.filter((e) => e.type === "delta" && e.session_id === sessionId);
    expect(deltas.map((e) => e.content).join("")).toBe("You said: hello there toolDone.");
    sse.close();
    await ws.close();

    // A client that saw up to the first delta on B reconnects to C and gets the rest, in order.
    const runStarted = sse.events.find((e) => e.type === "run_started" && e.session_id === sessionId)!;
    const firstDelta = deltas[0]!;
    const resumed = await openSse(`${c.url}/api/events?session_id=${sessionId}`, {
      "Last-Event-ID": String(firstDelta.seq),
    });
    const end = await resumed.waitFor(isEnd);
    expect(resumed.events.map((e) => `${e.seq}:${e.type}`)).toEqual(
      seenOnB.filter((t) => Number(t.split(":")[0]) > (firstDelta.seq as number)),
    );
    expect(end).toMatchObject({ response: "Done.", agent_id: "coder" });
    expect(resumed.events.some((e) => e.seq === runStarted.seq)).toBe(false);
    resumed.close();
  });

  it("gives a retry of POST /api/runs on B the run that A started with the same Idempotency-Key", async () => {
    const [a, b] = gateways as [RunningGateway, RunningGateway];
    const clients = [a, b].map((gw) => jsonClient(() => gw.url));
    const body = { sessionKey: "idem", message: "exactly once please", agent: "coder" };
    const headers = { "idempotency-key": "order-7" };
    const first = await clients[0]!.post("/agent/async", body, headers);
    expect(first.status).toBe(200);
    const retry = await clients[1]!.post("/agent/async", body, headers);
    expect(retry.status).toBe(200);
    expect(retry.body.runId).toBe(first.body.runId);
    const reused = await clients[1]!.post("/agent/async", { ...body, message: "something else" }, headers);
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({
      code: "IDEMPOTENCY_KEY_REUSED",
      details: { run_id: first.body.runId },
    });
    // /api/runs answers with the run's record, which only the instance that runs it has (not shared yet).
    const apiBody = { prompt: "exactly once please", agent_id: "coder" };
    const created = await clients[0]!.post("/api/runs", apiBody, { "idempotency-key": "api-7" });
    expect(created.status).toBe(202);
    const elsewhere = await clients[1]!.post("/api/runs", apiBody, { "idempotency-key": "api-7" });
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body).toMatchObject({
      code: "RUN_ON_ANOTHER_INSTANCE",
      details: { run_id: created.body.run_id },
    });
    for (const id of [first.body.runId, created.body.run_id])
      await clients[0]!.post(`/agent/run/${id}/wait?timeoutMs=60000`, {});
    const logOf = async (home: string) =>
      (await readFile(join(home, "fake-claude.log"), "utf8").catch(() => ""))
        .split("\n")
        .filter((line) => line.includes("exactly once please"));
    expect([...(await logOf(homes[0]!)), ...(await logOf(homes[1]!))]).toHaveLength(2);
  });

  it("answers requests for a run of A on B and C by asking A (forwarded), and 404 for unknown runs", async () => {
    const [a, b, c] = gateways as [RunningGateway, RunningGateway, RunningGateway];
    const onA = jsonClient(() => a.url);
    const spawned = await onA.post("/api/agent/coder/spawn", {
      prompt: "where do I live",
      workdir: join(homes[0]!, "project"),
    });
    expect(spawned.status).toBe(200);
    const runId = spawned.body.run_id as string;
    const waited = await jsonClient(() => c.url).post(`/agent/run/${runId}/wait?timeoutMs=60000`, {});
    expect(waited.status).toBe(200);
    expect(waited.body).toMatchObject({ runId, status: "complete" });
    const onB = await fetch(`${b.url}/api/runs/${runId}`);
    expect(onB.status).toBe(200);
    expect(await onB.json()).toMatchObject({
      run_id: runId,
      session_id: spawned.body.session_id,
      agent_id: "coder",
    });
    // An ended run's record is shared data: B answers it itself, forwarded or not.
    const passedOn = await fetch(`${b.url}/api/runs/${runId}`, { headers: { "x-viben-forwarded-by": "1" } });
    expect(passedOn.status).toBe(200);
    // A live run's record is only on A: B asks A, and a request that was forwarded once is not passed on.
    const live = await onA.post("/api/agent/coder/spawn", {
      prompt: "hang until stopped",
      workdir: join(homes[0]!, "project"),
    });
    const liveId = live.body.run_id as string;
    expect((await fetch(`${b.url}/api/runs/${liveId}`)).status).toBe(200);
    const notPassedOn = await fetch(`${b.url}/api/runs/${liveId}`, {
      headers: { "x-viben-forwarded-by": "1" },
    });
    expect(notPassedOn.status).toBe(404);
    expect((await onA.post(`/api/agent/stop/${live.body.session_id}`, {})).status).toBe(200);
    const unknown = await fetch(`${b.url}/api/runs/no-such-run`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: "RUN_NOT_FOUND" });
  });

  it("stops a session's run on A through B (POST /api/agent/stop/:sessionId)", async () => {
    const [a, b] = gateways as [RunningGateway, RunningGateway];
    const sse = await openSse(`${b.url}/api/events?agent_id=coder`);
    const spawned = await jsonClient(() => a.url).post("/api/agent/coder/spawn", {
      prompt: "hang until stopped",
      workdir: join(homes[0]!, "project"),
    });
    expect(spawned.status).toBe(200);
    const sessionId = spawned.body.session_id as string;
    await sse.waitFor((e) => e.type === "run_started" && e.session_id === sessionId);
    const stop = await jsonClient(() => b.url).post(`/api/agent/stop/${sessionId}`, {});
    expect(stop.status).toBe(200);
    expect(stop.body).toMatchObject({ success: true, stopped: true });
    const end = await sse.waitFor((e) => e.type === "run_error" && e.session_id === sessionId);
    expect(end).toMatchObject({ code: "RUN_STOPPED", error: "stopped on request" });
    // Nothing runs any more: a second stop (on A, which has the session) finds nothing to stop.
    const again = await jsonClient(() => a.url).post(`/api/agent/stop/${sessionId}`, {});
    expect(again.body).toMatchObject({ stopped: false });
    sse.close();
  });
});
