import { describe, expect, it } from "vitest";
import { browserWithGateway, seriousA11yViolations } from "../helpers/browser.js";

describe("the Automation page: cron jobs, the queue, the kanban board", () => {
  const ctx = browserWithGateway();
  const api = ctx.api;

  it("creates a cron job with a preview of its next runs in its timezone, then pauses and resumes it", async () => {
    await api("/api/agent", { id: "reporter", name: "Reporter", executor_type: "CLAUDE_CODE" });
    const { page } = ctx.session;
    await page.goto(`${ctx.gw.url}/#/automation`);
    await page.getByRole("heading", { name: "Cron jobs" }).waitFor();
    const form = page.getByRole("form", { name: "New cron job" });
    await form.getByLabel("Name", { exact: true }).fill("Morning report");
    await form.getByLabel("Agent", { exact: true }).selectOption("reporter");
    await form.getByLabel("Message").fill("Summarise yesterday's commits");
    await form.getByLabel("Schedule").fill("30 9 * * 1-5");
    await form.getByLabel("Timezone").fill("Asia/Tokyo");
    // The preview comes from the gateway (POST /api/cron/preview), as wall time in Tokyo.
    // (The form opens with a default schedule whose preview shows first: wait for this one's.)
    const preview = page.getByTestId("cron-preview");
    await page.getByText("Next runs (Asia/Tokyo):").waitFor();
    await expect
      .poll(async () => (await preview.locator("li").allTextContents()).filter((l) => l.includes("09:30")))
      .toHaveLength(5);
    await page.getByLabel("Schedule").fill("every banana");
    await page.locator("[aria-live] .error").waitFor();
    await page.getByLabel("Schedule").fill("30 9 * * 1-5");
    await expect.poll(async () => await preview.locator("li").count()).toBe(5);
    await ctx.session.screenshot("automation-cron");
    await page.getByRole("button", { name: "Create cron job" }).click();

    const row = page.locator("tr[data-cron='morning-report']");
    await row.waitFor();
    expect(await row.textContent()).toContain("09:30");
    const job = await api("/api/cron/morning-report");
    expect(job).toMatchObject({ schedule: "30 9 * * 1-5", timezone: "Asia/Tokyo", agent_id: "reporter" });

    await row.getByRole("button", { name: "Pause" }).click();
    await row.getByRole("button", { name: "Resume" }).waitFor();
    expect((await api("/api/cron/morning-report")).enabled).toBe(false);
    await row.getByRole("button", { name: "Resume" }).click();
    await row.getByRole("button", { name: "Pause" }).waitFor();
    expect((await api("/api/cron/morning-report")).enabled).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it("moves a kanban card by dragging it, and with the keyboard control", async () => {
    const task = await api("/api/tasks", { title: "Ship the dashboard" });
    const { page } = ctx.session;
    // The page is open from the test before: a reload shows the new task.
    await page.goto(`${ctx.gw.url}/#/automation`);
    await page.reload();
    const card = page.locator(`[data-task='${task.id}']`);
    await page.locator("[data-column='todo']").locator(`[data-task='${task.id}']`).waitFor();
    // Every section loaded, and the cron form's preview (which comes a moment later) shown: anything that
    // renders late moves the board while the mouse is on its way.
    await expect.poll(() => page.getByText(/^Loading /).count()).toBe(0);
    await page.getByTestId("cron-preview").waitFor();
    await card.dragTo(page.locator("[data-column='done']"));
    await page.locator("[data-column='done']").locator(`[data-task='${task.id}']`).waitFor();
    expect((await api(`/api/tasks/${task.id}`)).status).toBe("done");
    await page.locator(".kanban").scrollIntoViewIfNeeded();
    await ctx.session.screenshot("automation-kanban");

    // The same move without a mouse: the card's "Move to" control.
    await page.getByLabel("Move Ship the dashboard to").selectOption("todo");
    await page.locator("[data-column='todo']").locator(`[data-task='${task.id}']`).waitFor();
    expect((await api(`/api/tasks/${task.id}`)).status).toBe("todo");
    // A move the rules refuse says why, and the card stays.
    await page.getByLabel("Move Ship the dashboard to").selectOption("inreview");
    await page.getByRole("alert").filter({ hasText: "ILLEGAL_TRANSITION" }).waitFor();
    expect((await api(`/api/tasks/${task.id}`)).status).toBe("todo");
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(ctx.session.offMachine).toEqual([]);
  });
});
