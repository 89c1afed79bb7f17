import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserSession, openBrowser, seriousA11yViolations } from "../helpers/browser.js";
import { type InteractiveHarness, startInteractiveHarness } from "../helpers/interactive-claude.js";

// The Agents and Chat pages against a gateway running the real Claude Code CLI with the local Anthropic stub
// (test/helpers/interactive-claude.ts: SAY_HELLO, RUN_TOOL, ASK_PERM and HANG_NOW are the stub's scripts).
let h: InteractiveHarness;
let session: BrowserSession;

beforeAll(async () => {
  [h, session] = await Promise.all([startInteractiveHarness(), openBrowser()]);
});
afterAll(async () => {
  await session?.close();
  await h?.close();
});

/** Runs a turn through POST /api/agent/run as another client would, to its end; answers the session id. */
async function runOverApi(body: Record<string, unknown>): Promise<string> {
  const answer = await fetch(`${h.gw.url}/api/agent/run`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await answer.text();
  const id = /"session_id":"([^"]+)"/.exec(text)?.[1];
  if (!id) throw new Error(`no session in: ${text.slice(0, 500)}`);
  return id;
}

describe("the Agents page", () => {
  it("creates an agent from the form generated from the API's schema, and lists it", async () => {
    const { page } = session;
    await page.goto(`${h.gw.url}/#/agents`);
    await page.getByRole("heading", { name: "Agents" }).waitFor();
    await page.locator("tr[data-agent='claude-ask']").waitFor();
    await page.getByRole("link", { name: "New agent" }).click();
    await page.getByLabel("Name").waitFor();
    await page.getByLabel("Name").fill("UI asker");
    await page.getByLabel("Id", { exact: true }).fill("ui-ask");
    await page.getByLabel("Executor type").selectOption("CLAUDE_CODE");
    await page.getByLabel("Model").fill("claude-sonnet-4-5");
    await page.getByLabel("Permission mode").selectOption("default");
    await session.screenshot("agent-form");
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Create agent" }).click();

    const row = page.locator("tr[data-agent='ui-ask']");
    await row.waitFor();
    expect(await row.textContent()).toContain("UI asker");
    const created = await (await fetch(`${h.gw.url}/api/agent/ui-ask`)).json();
    expect(created).toMatchObject({ executor_type: "CLAUDE_CODE", permission_mode: "default" });
    await session.screenshot("agents");
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it("shows the API's refusal next to the form", async () => {
    const { page } = session;
    await page.goto(`${h.gw.url}/#/agents/new`);
    await page.getByLabel("Name").fill("Too hot");
    await page.getByText("More settings").click();
    await page.getByLabel("Temperature").fill("9");
    await page.getByRole("button", { name: "Create agent" }).click();
    await page.getByRole("alert").filter({ hasText: "temperature" }).waitFor();
  });
});

describe("the Chat page", () => {
  it("streams an answer, shows a tool call with its input and result, and runs an approved tool", async () => {
    const { page } = session;
    await page.goto(`${h.gw.url}/#/chat/new/claude-auto`);
    await page.getByLabel("Working directory").fill(h.workdir);
    await page.getByLabel("Message").fill("SAY_HELLO please");
    await page.getByRole("button", { name: "Send" }).click();
    await expect
      .poll(() => page.getByTestId("assistant-text").last().textContent())
      .toBe("Hello from the stub model.");
    await page.getByText("Run completed").waitFor();

    await page.getByLabel("Message").fill("RUN_TOOL now");
    await page.getByRole("button", { name: "Send" }).click();
    const call = page.locator("details.tool-call").last();
    await call.getByText("tool-output-42", { exact: false }).first().waitFor({ state: "attached" });
    await call.locator("summary").click();
    await expect.poll(() => call.getByTestId("tool-result").textContent()).toContain("tool-output-42");
    expect(await call.locator("pre").first().textContent()).toContain("echo tool-output-42");
    await page.getByText("Run completed").nth(1).waitFor();
    await session.screenshot("chat");
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The agent created through the UI asks before writing a file: Allow runs it.
    await page.goto(`${h.gw.url}/#/chat/new/ui-ask`);
    await page.getByLabel("Working directory").fill(h.workdir);
    await page.getByLabel("Message").fill("ASK_PERM");
    await page.getByRole("button", { name: "Send" }).click();
    const allow = page.getByRole("button", { name: "Allow" });
    await allow.waitFor();
    await session.screenshot("chat-approval");
    await allow.click();
    await page.getByText("Run completed").waitFor();
    expect(existsSync(join(h.workdir, "perm.txt"))).toBe(true);
    expect(session.offMachine).toEqual([]);
  });

  it("attaches to a session and shows a run another client starts in it, live", async () => {
    // A first run makes the session; the page then opens it, and a second run (another client's) streams in.
    const first = await runOverApi({ agent_id: "claude-auto", prompt: "SAY_HELLO first", cwd: h.workdir });
    const { page } = session;
    const listening = h.gw.events.subscriberCount;
    await page.goto(`${h.gw.url}/#/chat/${first}`);
    await page.getByText("SAY_HELLO first").waitFor();
    // The page subscribes to the session's events once it has read the transcript: then the other run starts.
    await expect.poll(() => h.gw.events.subscriberCount).toBeGreaterThan(listening);
    await runOverApi({ session_id: first, prompt: "SAY_HELLO again", cwd: h.workdir });
    await page.getByText("SAY_HELLO again").waitFor();
    await expect
      .poll(() => page.getByTestId("assistant-text").last().textContent())
      .toBe("Hello from the stub model.");
    await page.getByText("Run completed").waitFor();
  });

  it("stops a run", async () => {
    const { page } = session;
    await page.goto(`${h.gw.url}/#/chat/new/claude-auto`);
    await page.getByLabel("Working directory").fill(h.workdir);
    await page.getByLabel("Message").fill("HANG_NOW");
    await page.getByRole("button", { name: "Send" }).click();
    await expect
      .poll(() => page.getByTestId("assistant-text").last().textContent())
      .toContain("Working on it");
    await page.getByRole("button", { name: "Stop" }).click();
    await page.getByText("Run stopped").waitFor();
  });
});
