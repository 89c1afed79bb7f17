import { describe, expect, it } from "vitest";
import { browserWithGateway, seriousA11yViolations } from "../helpers/browser.js";

describe("the Sessions page: search, transcript paging, fork", () => {
  const ctx = browserWithGateway();

  it("finds a session by search, pages back through a long transcript and forks it", async () => {
    await ctx.api("/api/agent", { id: "writer", name: "Writer", executor_type: "CLAUDE_CODE" });
    const long = await ctx.api("/api/agent/writer/sessions", { title: "Release planning" });
    await ctx.api("/api/agent/writer/sessions", { title: "Lunch ideas" });
    for (let i = 0; i < 120; i++) {
      await ctx.api(`/api/agent/writer/sessions/${long.id}/messages`, {
        role: i % 2 === 0 ? "user" : "assistant",
        content: `note number ${i}`,
      });
    }
    const { page } = ctx.session;
    await page.goto(`${ctx.gw.url}/#/sessions`);
    await page.locator(`[data-session='${long.id}']`).waitFor();
    expect(await page.locator(".session-list > li").count()).toBe(2);
    await page.getByLabel("Search").fill("planning");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => page.locator(".session-list > li").count()).toBe(1);
    await ctx.session.screenshot("sessions");
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole("link", { name: "Release planning" }).click();
    // The newest page first: the last note, not the first.
    await page.getByText("note number 119", { exact: true }).waitFor();
    expect(await page.getByText("note number 0", { exact: true }).count()).toBe(0);
    await page.getByRole("button", { name: "Load earlier messages" }).click();
    await page.getByText("note number 20", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Load earlier messages" }).click();
    await page.getByText("note number 0", { exact: true }).waitFor();
    expect(await page.getByRole("button", { name: "Load earlier messages" }).count()).toBe(0);
    expect(await page.locator(".transcript > li").count()).toBe(120);
    await ctx.session.screenshot("session-transcript");
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole("button", { name: "Fork" }).click();
    await expect.poll(() => page.url()).not.toContain(long.id);
    const forkId = decodeURIComponent(new URL(page.url()).hash.split("/")[3] ?? "");
    expect(forkId).not.toBe("");
    const forked = await ctx.api(`/api/sessions/${forkId}`);
    expect(forked.id).toBe(forkId);

    // Resuming: the fork opens in Chat with what was said, ready for the next message.
    await page.getByRole("link", { name: "Continue in chat" }).click();
    await page.getByRole("heading", { name: "Chat" }).waitFor();
    expect(decodeURIComponent(page.url())).toContain(`#/chat/${forkId}`);
    await page.getByText("note number 119", { exact: true }).waitFor();
    await page.getByLabel("Message").waitFor();
    expect(ctx.session.offMachine).toEqual([]);
  });
});
