// MCP tools in native runs: a real stdio server started by the run (and gone after it), a streamable
// HTTP server, and servers that fail to start.
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ResolvedProvider } from "../../../storage/provider-types.js";
import { createEchoServer, echoServerCommand } from "../../fixtures/mcp-echo-server.js";
import {
  type ChatStubScript,
  chatContentText,
  chatToolResults,
  type OpenAIChatStub,
  scriptedChat,
  startOpenAIChatStub,
} from "../../fixtures/openai-chat-stub.js";
import {
  isRunning,
  makeWorkdir,
  nativeAgent,
  outputsOf,
  resultOf,
  startNativeRun,
} from "./native-harness.js";

let stub: OpenAIChatStub | undefined;
let httpServer: Server | undefined;
let workdir: { dir: string; cleanup: () => Promise<void> };

beforeEach(async () => {
  workdir = await makeWorkdir();
});

afterEach(async () => {
  await stub?.close();
  stub = undefined;
  if (httpServer) {
    httpServer.closeAllConnections();
    await new Promise((resolve) => httpServer?.close(resolve));
    httpServer = undefined;
  }
  await workdir.cleanup();
});

async function provider(script: ChatStubScript): Promise<ResolvedProvider> {
  stub = await startOpenAIChatStub(script);
  return { id: "local", name: "Local", type: "openai-compatible", base_url: stub.baseURL };
}

/** The echo server over streamable HTTP, stateless: a fresh server and transport per request. */
async function startHttpEchoServer(): Promise<string> {
  httpServer = createServer(async (req, res) => {
    const server = createEchoServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => httpServer?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/mcp`;
}

describe("native run, MCP tools", () => {
  it("calls a tool of a stdio MCP server and ends the server with the run", async () => {
    const pidFile = join(workdir.dir, "..", "echo.pid");
    const run = startNativeRun({
      provider: await provider(
        scriptedChat([
          {
            toolCalls: [
              { id: "c1", name: "mcp__echo__echo", arguments: { text: "ping" } },
              { id: "c2", name: "mcp__echo__fail" },
            ],
          },
          (body) => ({ text: `The server said ${chatContentText(chatToolResults(body)[0]?.content)}` }),
        ]),
      ),
      agent: nativeAgent({ mcp_servers: { echo: echoServerCommand({ MCP_ECHO_PID_FILE: pidFile }) } }),
      workdir: workdir.dir,
    });
    expect((await run.exit).code).toBe(0);

    const tools = stub!.requests[0]?.tools?.map((tool) => tool.function.name);
    expect(tools).toEqual(expect.arrayContaining(["mcp__echo__echo", "mcp__echo__fail", "read_file"]));
    expect(
      stub!.requests[0]?.tools?.find((tool) => tool.function.name === "mcp__echo__echo")?.function,
    ).toMatchObject({
      description: "Echoes the text back.",
      parameters: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
    });
    expect(outputsOf(run.outputs, "tool_end")).toEqual([
      { kind: "tool_end", toolUseId: "c1", tool: "mcp__echo__echo", result: "echo: ping", isError: false },
      {
        kind: "tool_end",
        toolUseId: "c2",
        tool: "mcp__echo__fail",
        result: "this tool always fails",
        isError: true,
      },
    ]);
    expect(resultOf(run.outputs)?.text).toBe("The server said echo: ping");

    // exited resolves only after the server was closed: its process is gone by then.
    const pid = Number(await readFile(pidFile, "utf8"));
    expect(pid).toBeGreaterThan(0);
    expect(isRunning(pid)).toBe(false);
  });

  it("closes the stdio server when the run is stopped", async () => {
    const pidFile = join(workdir.dir, "..", "echo.pid");
    const run = startNativeRun({
      provider: await provider(() => ({ text: "thinking", hang: true })),
      agent: nativeAgent({ mcp_servers: { echo: echoServerCommand({ MCP_ECHO_PID_FILE: pidFile }) } }),
      workdir: workdir.dir,
    });
    await expect.poll(() => outputsOf(run.outputs, "delta").length, { timeout: 10_000 }).toBeGreaterThan(0);
    const pid = Number(await readFile(pidFile, "utf8"));
    expect(isRunning(pid)).toBe(true);
    await run.run.stop();
    expect((await run.exit).signal).toBe("SIGINT");
    expect(isRunning(pid)).toBe(false);
  });

  it("calls a tool of a streamable HTTP MCP server", async () => {
    const url = await startHttpEchoServer();
    const run = startNativeRun({
      provider: await provider(
        scriptedChat([
          { toolCalls: { id: "h1", name: "mcp__remote__echo", arguments: { text: "over http" } } },
          { text: "ok" },
        ]),
      ),
      agent: nativeAgent({ mcp_servers: { remote: { type: "http", url, headers: { "x-test": "1" } } } }),
      workdir: workdir.dir,
    });
    expect((await run.exit).code).toBe(0);
    expect(outputsOf(run.outputs, "tool_end")[0]).toMatchObject({
      result: "echo: over http",
      isError: false,
    });
  });

  it("reports a server that fails to start and runs with the others", async () => {
    const run = startNativeRun({
      provider: await provider(() => ({ text: "fine without it" })),
      agent: nativeAgent({
        mcp_servers: {
          broken: { command: "/nonexistent/mcp-server" },
          crashing: {
            command: process.execPath,
            args: ["-e", "console.error('boom: missing config'); process.exit(3)"],
          },
          nowhere: { url: "http://127.0.0.1:1/mcp" },
          echo: echoServerCommand(),
        },
      }),
      workdir: workdir.dir,
    });
    expect((await run.exit).code).toBe(0);
    const errors = outputsOf(run.outputs, "error").map((output) => output.message);
    expect(errors).toHaveLength(3);
    expect(errors.find((message) => message.includes("'broken'"))).toMatch(/failed to start/);
    expect(errors.find((message) => message.includes("'crashing'"))).toMatch(/boom: missing config/);
    expect(errors.find((message) => message.includes("'nowhere'"))).toMatch(/failed to start/);
    const tools = stub!.requests[0]?.tools?.map((tool) => tool.function.name) ?? [];
    expect(tools.filter((name) => name.startsWith("mcp__"))).toEqual(["mcp__echo__echo", "mcp__echo__fail"]);
    expect(resultOf(run.outputs)?.text).toBe("fine without it");
  });
});
