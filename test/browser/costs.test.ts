import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { browserWithGateway, seriousA11yViolations } from "../helpers/browser.js";
import { makeTempHome, startGatewayProcess } from "../helpers/gateway-process.js";

/** A fake Claude Code CLI whose runs report usage and a cost of 1.23 cents each. */
const FAKE_CLAUDE = resolve(import.meta.dirname, "../fixtures/fake-claude.mjs");

describe("the Cost and health page", () => {
  const ctx = browserWithGateway(async () => {
    const home = await makeTempHome();
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${FAKE_CLAUDE}\n`);
    await writeFile(join(home, ".viben/gateway.yaml"), "budgets:\n  monthly_cents: 2\n  warn_at: 0.5\n");
    return startGatewayProcess({ home });
  });
  const api = ctx.api;

  it("shows a run live in the event feed, then its spend per day, agent and model against the budget", async () => {
    await api("/api/agent", { id: "accountant", name: "Accountant", executor_type: "CLAUDE_CODE" });
    const { page } = ctx.session;
    await page.goto(`${ctx.gw.url}/#/costs`);
    await page.getByRole("heading", { name: "Live events" }).waitFor();
    await page.getByText("No spend recorded this month.").waitFor();

    const job = await api("/api/queue", { agent_id: "accountant", prompt: "count the beans" });
    const feed = page.getByTestId("event-feed");
    await expect.poll(() => feed.textContent(), { timeout: 30_000 }).toContain("accountant");
    await expect.poll(async () => (await api(`/api/queue/${job.id}`)).status).toBe("succeeded");

    await page.getByRole("button", { name: "Refresh" }).click();
    await expect.poll(() => page.getByTestId("spend-by-agent").textContent()).toContain("accountant$0.01");
    expect(await page.getByRole("img", { name: "Spend per day (US dollars)" }).count()).toBe(1);
    expect(await page.getByTestId("run-count").textContent()).toMatch(/^1 /);
    // 1.23 of 2 cents is past the 50% warning line.
    await page.getByRole("alert").filter({ hasText: "of the monthly budget" }).waitFor();
    await ctx.session.screenshot("costs");
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(ctx.session.offMachine).toEqual([]);
  });
});
