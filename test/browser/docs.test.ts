import { describe, expect, it } from "vitest";
import { browserWithGateway, seriousA11yViolations } from "../helpers/browser.js";

describe("/docs in a real browser (Debian's Chromium)", () => {
  const ctx = browserWithGateway();

  it("renders the API from the gateway's own files (no CDN), with no request leaving the machine", async () => {
    const { session } = ctx;
    const { page } = session;
    const answer = await page.goto(`${ctx.gw.url}/docs`);
    expect(answer?.status()).toBe(200);
    // Swagger UI has read /openapi.json when the operations are on the page.
    await page.locator(".opblock").first().waitFor();
    // Swagger UI draws the tags as they scroll into view: the first ones are drawn from the document.
    await page.locator("#operations-tag-Agents").waitFor();
    await expect.poll(() => page.title()).toBe("Viben Gateway API");
    // Expanding an operation shows its parameters: the page is working, not just drawn.
    await page.locator("#operations-Health-getHealth .opblock-summary").click();
    await page.locator("#operations-Health-getHealth .opblock-body").waitFor();
    await session.screenshot("docs");
    expect(session.offMachine).toEqual([]);
  });

  it("has no serious accessibility violations of its own", async () => {
    // Swagger UI's own markup is the library's (it nests controls in its operation summaries and leaves its
    // server picker unlabelled; see README): the page around it (language, title, landmark) is checked.
    expect(await seriousA11yViolations(ctx.session.page, ["#swagger-ui"])).toEqual([]);
  });

  it("serves only the docs' own files under /docs/assets", async () => {
    const css = await fetch(`${ctx.gw.url}/docs/assets/swagger-ui.css`);
    expect(css.headers.get("content-type")).toContain("text/css");
    const other = await fetch(`${ctx.gw.url}/docs/assets/package.json`);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ code: "NOT_FOUND" });
    expect((await fetch(`${ctx.gw.url}/docs/assets/..%2Fpackage.json`)).status).toBe(404);
  });
});
