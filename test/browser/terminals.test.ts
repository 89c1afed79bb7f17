import { describe, expect, it } from "vitest";
import { browserWithGateway, seriousA11yViolations } from "../helpers/browser.js";

describe("the Terminals page: a real shell in the page (xterm.js over /terminal/ws)", () => {
  const ctx = browserWithGateway();

  it("opens a terminal, runs a command, detaches and reattaches to the same shell", async () => {
    const { session, gw } = ctx;
    const { page } = session;
    await page.goto(`${gw.url}/#/terminals`);
    await page.getByRole("link", { name: "New terminal" }).click();
    await expect.poll(() => page.getByTestId("terminal-status").textContent()).toContain("attached");
    const screen = page.getByTestId("terminal").locator(".xterm-rows");
    await page.getByTestId("terminal").click();
    await page.keyboard.type("echo hello-$((6*7))");
    await page.keyboard.press("Enter");
    // The typed line shows the expression; only the shell's answer reads hello-42.
    await expect.poll(() => screen.textContent(), { timeout: 30_000 }).toContain("hello-42");
    await session.screenshot("terminal");
    const address = new URL(page.url()).hash;
    expect(address).toMatch(/^#\/terminals\/.+/);
    const id = decodeURIComponent(address.split("/")[2] ?? "");

    await page.getByRole("button", { name: "Detach" }).click();
    const row = page.locator(`tr[data-terminal='${id}']`);
    await row.waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await session.screenshot("terminals");
    await row.getByRole("link", { name: "Open" }).click();
    // The gateway replays what the shell printed while no one watched.
    await expect.poll(() => screen.textContent(), { timeout: 30_000 }).toContain("hello-42");
    await page.getByTestId("terminal").click();
    await page.keyboard.type("echo again-$((2+3))");
    await page.keyboard.press("Enter");
    await expect.poll(() => screen.textContent(), { timeout: 30_000 }).toContain("again-5");

    await page.getByRole("button", { name: "Detach" }).click();
    await row.getByRole("button", { name: "Kill" }).click();
    await row.waitFor({ state: "detached" });
    expect(session.offMachine).toEqual([]);
  });
});
