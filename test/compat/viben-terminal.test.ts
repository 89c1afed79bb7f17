// Follows the original Viben server's terminal dialect: LinXueyuanStdio/viben
// packages/core/src/gateway/routes/terminal.ts and packages/core/src/gateway/routes/terminal.test.ts
// (GET /ws/terminal?cwd&cols&rows&shell; `connected {sessionId}` at once; base64 `input`/`output`;
// `resize`; `exit {code}`; `error {message}`), driven against a real gateway with a real PTY.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { openWs, type WsClient } from "../helpers/clients.js";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const unb64 = (data: unknown) => Buffer.from(String(data), "base64").toString("utf8");

/** The decoded output of every `output` frame so far. */
const outputOf = (ws: WsClient) =>
  ws.frames
    .filter((f) => f.type === "output")
    .map((f) => unb64(f.data))
    .join("");

/** Waits for decoded output matching `pattern` (the frames arrive as they come; no sleeping). */
async function waitForOutput(ws: WsClient, pattern: RegExp): Promise<void> {
  await ws.waitFor(() => pattern.test(outputOf(ws)), 20_000);
}

/** An upgrade the gateway refuses: its status and JSON envelope. */
function refusedUpgrade(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const socket = new WebSocket(url);
  return new Promise((resolve, reject) => {
    socket.once("open", () => {
      socket.close();
      reject(new Error("the upgrade was accepted"));
    });
    socket.once("error", reject);
    socket.once("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
  });
}

describe("/ws/terminal (the original Viben terminal dialect)", () => {
  let home: string;
  let project: string;
  let gw: RunningGateway;
  let wsBase: string;
  const opened: WsClient[] = [];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-compat-terminal-"));
    project = join(home, "project");
    await mkdir(project);
    gw = await startGateway({
      port: 0,
      env: { PATH: process.env.PATH, HOME: home, SHELL: "/bin/sh", VIBEN_LOG_LEVEL: "silent" },
    });
    wsBase = gw.url.replace(/^http/, "ws");
  });

  afterAll(async () => {
    await Promise.all(opened.map((ws) => ws.close()));
    await gw?.close();
    await rm(home, { recursive: true, force: true });
  });

  async function connect(query: string): Promise<WsClient> {
    const ws = await openWs(`${wsBase}/ws/terminal${query}`);
    opened.push(ws);
    return ws;
  }

  it("connects at once, runs in cwd, streams base64 output, resizes and exits", async () => {
    const ws = await connect(`?cwd=${encodeURIComponent(project)}&cols=100&rows=30`);
    const connected = await ws.waitFor((f) => f.type === "connected");
    expect(connected.sessionId).toEqual(expect.any(String));
    expect(ws.frames[0]).toBe(connected);

    ws.send({ type: "input", data: b64("pwd; echo viben-$((40+2))\n") });
    await waitForOutput(ws, /viben-42/);
    expect(outputOf(ws)).toContain(project);

    // The terminal is the gateway's: listed under the id `connected` named, at the query's size.
    const listed = (await (await fetch(`${gw.url}/api/terminals`)).json()) as {
      terminals: { id: string; cols: number; rows: number; cwd: string }[];
    };
    expect(listed.terminals.find((t) => t.id === connected.sessionId)).toMatchObject({
      cols: 100,
      rows: 30,
    });

    // A resize without rows keeps the current rows (as Viben does).
    ws.send({ type: "resize", cols: 120 });
    ws.send({ type: "input", data: b64("stty size\n") });
    await waitForOutput(ws, /30 120/);

    ws.send({ type: "input", data: b64("exit 3\n") });
    const exit = await ws.waitFor((f) => f.type === "exit");
    expect(exit.code).toBe(3);
  });

  it("answers bad frames with an error frame and stays usable", async () => {
    const ws = await connect("");
    await ws.waitFor((f) => f.type === "connected");
    ws.send({ type: "input", data: "not base64 at all!" });
    const error = await ws.waitFor((f) => f.type === "error");
    expect(error.message).toMatch(/base64/);
    ws.sendRaw("{oops");
    await ws.waitFor((f) => f.type === "error" && f !== error);
    ws.send({ type: "input", data: b64("echo still-here\n") });
    await waitForOutput(ws, /still-here/);
    ws.send({ type: "input", data: b64("exit\n") });
    expect((await ws.waitFor((f) => f.type === "exit")).code).toBe(0);
  });

  it("runs the program `shell` names", async () => {
    const ws = await connect(`?shell=${encodeURIComponent("echo from-shell-param")}`);
    await ws.waitFor((f) => f.type === "connected");
    await waitForOutput(ws, /from-shell-param/);
    expect((await ws.waitFor((f) => f.type === "exit")).code).toBe(0);
  });

  it("refuses a bad query or directory with a 400 envelope before upgrading", async () => {
    const bad = await refusedUpgrade(`${wsBase}/ws/terminal?cols=wide`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "VALIDATION_ERROR", error: expect.stringContaining("cols") });

    const missing = await refusedUpgrade(
      `${wsBase}/ws/terminal?cwd=${encodeURIComponent(join(home, "nowhere"))}`,
    );
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatch(/cwd/);

    const outside = await refusedUpgrade(`${wsBase}/ws/terminal?cwd=${encodeURIComponent("/etc")}`);
    expect(outside.status).toBe(400);
  });
});
