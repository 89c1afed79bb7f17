import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ListingStub, startListingStub } from "../fixtures/provider-listing-stub.js";
import { browserWithGateway, seriousA11yViolations } from "../helpers/browser.js";
import { makeTempHome, startGatewayProcess } from "../helpers/gateway-process.js";

const ADMIN = "settings-admin-key-0123456789";
const OPERATOR = "settings-operator-key-0123456789";

describe("the Settings page", () => {
  let stub: ListingStub;
  beforeAll(async () => {
    stub = await startListingStub({ mode: "openai", key: "provider-secret" });
  });
  afterAll(() => stub?.close());

  const ctx = browserWithGateway(async () => {
    const home = await makeTempHome();
    await mkdir(join(home, ".viben"), { recursive: true });
    await writeFile(
      join(home, ".viben/gateway.yaml"),
      `api_keys:\n  - { name: root, key: '${ADMIN}', role: admin }\n  - { name: ops, key: '${OPERATOR}', role: operator }\n`,
    );
    return startGatewayProcess({ home, env: { STUB_KEY: "provider-secret" } });
  });
  const login = async (key: string) => {
    const { page } = ctx.session;
    await page.goto(`${ctx.gw.url}/`);
    await page.evaluate(() => sessionStorage.clear());
    await page.goto(`${ctx.gw.url}/#/settings`);
    await page.reload();
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
  };

  it("tests a provider, creates an API key shown once, and shows gateway.yaml with secrets masked", async () => {
    const created = await fetch(`${ctx.gw.url}/api/providers`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({
        id: "stub-openai",
        name: "Stub OpenAI",
        type: "openai-compatible",
        base_url: `${stub.url}/v1`,
        api_key: "${STUB_KEY}",
      }),
    });
    expect(created.status).toBe(201);
    await login(ADMIN);
    const { page } = ctx.session;
    const provider = page.locator("[data-provider='stub-openai']");
    await provider.getByRole("button", { name: "Test" }).click();
    await expect.poll(() => provider.getByRole("status").textContent()).toContain("2 models");

    await page.getByLabel("New key").fill("ci-bot");
    await page.getByLabel("Role", { exact: true }).selectOption("operator");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByTestId("new-key");
    await shown.waitFor();
    const secret = (await shown.locator("pre").textContent())?.trim() ?? "";
    expect(secret.length).toBeGreaterThan(20);
    await page.locator("tr[data-key='ci-bot']").waitFor();
    // The new key works, with its role.
    const who = await fetch(`${ctx.gw.url}/api/whoami`, { headers: { authorization: `Bearer ${secret}` } });
    expect(await who.json()).toMatchObject({ role: "operator", key_name: "ci-bot" });

    const config = await page.getByTestId("gateway-config").textContent();
    expect(config).toContain("name: root, key: '***'");
    expect(config).not.toContain(ADMIN);
    await ctx.session.screenshot("settings");
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(ctx.session.offMachine).toEqual([]);
  });

  it("offers an operator no key management and no gateway.yaml", async () => {
    await login(OPERATOR);
    const { page } = ctx.session;
    await page.getByRole("heading", { name: "Providers" }).waitFor();
    expect(await page.getByRole("heading", { name: "API keys" }).count()).toBe(0);
    expect(await page.getByRole("heading", { name: "gateway.yaml" }).count()).toBe(0);
    expect(await page.getByTestId("who").textContent()).toContain("operator · ops");
  });
});
