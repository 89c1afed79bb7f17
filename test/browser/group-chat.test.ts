import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { browserWithGateway, seriousA11yViolations } from "../helpers/browser.js";
import { makeTempHome, startGatewayProcess } from "../helpers/gateway-process.js";

/** A fake Claude Code CLI that answers "You said: <prompt>" (the member's prompt carries the conversation). */
const FAKE_CLAUDE = resolve(import.meta.dirname, "../fixtures/fake-claude.mjs");

describe("a group chat on the Chat page", () => {
  const ctx = browserWithGateway(async () => {
    const home = await makeTempHome();
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${FAKE_CLAUDE}\n`);
    return startGatewayProcess({ home });
  });
  const post = async (path: string, body: unknown) => {
    const created = await ctx.api(path, body);
    expect(created.id, JSON.stringify(created)).toBeTypeOf("string");
    return created as { id: string };
  };

  it("is picked like an agent; both members answer in turn, live; the session reopens with its messages", async () => {
    for (const id of ["alice", "bob"])
      await post("/api/agent", { id, name: id, executor_type: "CLAUDE_CODE" });
    const chat = await post("/api/group-chats", {
      name: "Pair",
      members: [
        { member_id: "alice", display_name: "Alice" },
        { member_id: "bob", display_name: "Bob" },
      ],
      mode: "round_robin",
    });
    const { page } = ctx.session;
    await page.goto(`${ctx.gw.url}/#/chat`);
    await page.getByRole("option", { name: "Pair (group)" }).waitFor({ state: "attached" });
    await page.getByLabel("Agent").selectOption({ label: "Pair (group)" });
    await page.getByRole("heading", { name: "Group chat: Pair" }).waitFor();
    expect(page.url()).toContain(`#/chat/group/${chat.id}`);
    await page.getByText("Members: Alice, Bob").waitFor();

    await page.getByLabel("Message").fill("plan the release");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByText("The members are done").waitFor({ timeout: 60_000 });
    const answers = page.getByTestId("member-answer");
    expect(await answers.count()).toBe(2);
    for (const i of [0, 1]) expect(await answers.nth(i).textContent()).toContain("You said:");
    // Bob, second in turn, sees Alice's answer in the conversation he is given.
    expect(await answers.nth(1).textContent()).toContain("@alice: You said:");
    const transcript = page.getByRole("list", { name: "Conversation" });
    expect(await transcript.getByText("Alice", { exact: true }).count()).toBe(1);
    expect(await transcript.getByText("Bob", { exact: true }).count()).toBe(1);
    await ctx.session.screenshot("group-chat");
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The session's link reopens it with what was said.
    const link = page.getByRole("link", { name: /^session / });
    const target = await link.getAttribute("href");
    await page.goto(`${ctx.gw.url}/#/chat`);
    await page.goto(`${ctx.gw.url}/${target}`);
    await page.getByText("plan the release", { exact: true }).waitFor();
    await expect.poll(() => page.getByTestId("member-answer").count()).toBe(2);
    expect(ctx.session.offMachine).toEqual([]);
  });
});
