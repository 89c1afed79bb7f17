/*
 * Agents' memory against a real gateway: ranked search, delete and clear over HTTP. The gateway's default
 * agent is the real Claude Code CLI on the local Anthropic stub, scripted to call the memory tools (kept for
 * the run test to come: Claude Code here does not list the gateway's MCP tools, see the report).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentText, type MessagesRequest, toolResults } from "../fixtures/anthropic-stub.js";
import { type ClaudeGateway, startClaudeGateway } from "../helpers/claude-gateway.js";
import type { Json } from "../helpers/clients.js";

/** Claude Code names an MCP tool `mcp__<server>__<tool>`; the gateway's server is `viben`. */
const SEARCH_TOOL = "mcp__viben__memory_search";
const ADD_TOOL = "mcp__viben__memory_add";

const lastUserText = (body: MessagesRequest) => contentText(body.messages.at(-1)?.content);
const offers = (body: MessagesRequest, tool: string) => body.tools?.some((t) => t.name === tool) ?? false;

describe("agent memory", () => {
  let env: ClaudeGateway;
  const toolOutputs: string[] = [];

  beforeAll(async () => {
    env = await startClaudeGateway((body) => {
      const results = toolResults(body);
      if (results.length > 0) {
        const text = contentText(results[0]!.content);
        toolOutputs.push(text);
        return { text: `Recalled: ${text}` };
      }
      const text = lastUserText(body);
      if (text.includes("please recall") && offers(body, SEARCH_TOOL))
        return { toolUse: { name: SEARCH_TOOL, input: { query: "deploy staging", limit: 3 } } };
      if (text.includes("please remember") && offers(body, ADD_TOOL))
        return {
          toolUse: { name: ADD_TOOL, input: { content: "The user's cat is named Miso", tags: ["pets"] } },
        };
      return { text: "ok" };
    });
    // An agent whose runs get the memory tools (memory: true); no bypassPermissions needed for them.
    await mkdir(join(env.home, ".viben/agents/keeper"), { recursive: true });
    await writeFile(
      join(env.home, ".viben/agents/keeper/config.yaml"),
      "name: keeper\nexecutor_type: CLAUDE_CODE\nmodel: claude-sonnet-4-5\nmemory: true\n",
    );
  });
  afterAll(async () => {
    await env?.close();
  });

  async function call<T = Json>(method: string, path: string, body?: unknown): Promise<[number, T]> {
    const res = await fetch(`${env.gw.url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    return [res.status, (await res.json()) as T];
  }

  it("ranks search results, deletes one entry and clears all over HTTP", async () => {
    const ids: string[] = [];
    for (const content of [
      "Lunch order: the usual sandwich",
      "Deploy to staging with make deploy-staging, never deploy on Fridays",
      "The staging database is read-only",
    ]) {
      const [status, entry] = await call("POST", "/memory/scratch", { content });
      expect(status).toBe(200);
      ids.push(entry.id as string);
    }
    const [, hits] = await call<Json[]>("POST", "/memory/scratch/search", { query: "deploy staging" });
    expect(hits.map((h) => h.id)).toEqual([ids[1], ids[2]]);
    expect(hits[0]!.score as number).toBeGreaterThan(hits[1]!.score as number);

    expect(await call("DELETE", `/memory/scratch/${ids[1]}`)).toEqual([200, { deleted: true }]);
    const [, after] = await call<Json[]>("GET", "/memory/scratch/search?q=deploy%20staging");
    expect(after.map((h) => h.id)).toEqual([ids[2]]);
    expect(await call("DELETE", "/memory/scratch")).toEqual([200, { cleared: 2 }]);
    expect(await call("GET", "/memory/scratch")).toEqual([200, []]);
  });
});
