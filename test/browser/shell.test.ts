import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { browserWithGateway, seriousA11yViolations } from "../helpers/browser.js";
import { makeTempHome, startGatewayProcess } from "../helpers/gateway-process.js";

describe("the dashboard shell in a real browser (Debian's Chromium)", () => {
  const ctx = browserWithGateway();

  it("opens at / on a loopback gateway without keys: the overview, the caller's role, the pages", async () => {
    const { session } = ctx;
    const { page } = session;
    const answer = await page.goto(`${ctx.gw.url}/`);
    expect(answer?.status()).toBe(200);
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await expect.poll(() => page.getByTestId("health").textContent()).toContain("ok");
    expect(await page.getByTestId("who").textContent()).toContain("admin");
    await expect.poll(() => page.title()).toBe("Overview · Viben Gateway");
    await session.screenshot("overview");
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(session.offMachine).toEqual([]);
  });

  it("answers an unknown page with a message, not a blank screen", async () => {
    const { session } = ctx;
    const { page } = session;
    await page.goto(`${ctx.gw.url}/#/no-such-page`);
    await page.getByRole("alert").filter({ hasText: "No page" }).waitFor();
  });
});

describe("the dashboard with API keys", () => {
  const ctx = browserWithGateway(async () => {
    const home = await makeTempHome();
    await mkdir(join(home, ".viben"), { recursive: true });
    await writeFile(
      join(home, ".viben/gateway.yaml"),
      "api_keys:\n  - { name: ops, key: 'op-key-123456789', role: operator }\n",
    );
    return startGatewayProcess({ home });
  });

  it("asks for a key, refuses a wrong one, keeps the right one for the tab's session and shows its role", async () => {
    const { session } = ctx;
    const { page } = session;
    await page.goto(`${ctx.gw.url}/`);
    const field = page.getByLabel("API key");
    await field.waitFor();
    await session.screenshot("login");
    expect(await seriousA11yViolations(page)).toEqual([]);

    await field.fill("wrong-key");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("alert").filter({ hasText: "refused" }).waitFor();

    await page.getByLabel("API key").fill("op-key-123456789");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    expect(await page.getByTestId("who").textContent()).toContain("operator · ops");
    expect(await page.evaluate(() => sessionStorage.getItem("viben.apiKey"))).toBe("op-key-123456789");

    // A reload stays logged in (same tab session); logging out forgets the key.
    await page.reload();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("API key").waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("viben.apiKey"))).toBeNull();
    expect(session.offMachine).toEqual([]);
  });
});
