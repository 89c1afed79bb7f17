import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { type GatewayProcess, startGatewayProcess } from "./gateway-process.js";

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it): browsers cannot be downloaded here. */
export const CHROMIUM = process.env.VIBEN_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/screenshots/", import.meta.url));

export interface BrowserSession {
  browser: Browser;
  page: Page;
  /** Requests the page made to anything but the gateway's loopback address (each one a failure). */
  offMachine: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Headless Chromium with the flags that keep it off the network (no background fetches, no component
 * updates) and a fresh profile (Playwright's own temporary one); every request the page makes is recorded, and one that would leave the
 * machine is answered with a refusal instead of being sent.
 */
export async function openBrowser(): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const offMachine: string[] = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    const local = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname) || url.protocol === "data:";
    if (local) return route.continue();
    offMachine.push(url.href);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  return {
    browser,
    page,
    offMachine,
    async screenshot(name) {
      await mkdir(ARTIFACTS, { recursive: true });
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path, fullPage: false });
      return path;
    },
    async close() {
      await browser.close();
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: unknown[];
}

let axeSource: string | undefined;

/** Runs axe-core in the page; answers the serious and critical violations (`id: help (n nodes)`). */
export async function seriousA11yViolations(page: Page, exclude: string[] = []): Promise<string[]> {
  // Evaluated through the DevTools protocol rather than a <script> tag: the dashboard's Content Security
  // Policy (rightly) refuses inline scripts, and the check must not weaken it.
  axeSource ??= await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async (excluded) => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected as a page global.
    const axe = (window as any).axe;
    const result = await axe.run({ exclude: excluded.map((s: string) => [s]) });
    return result.violations as AxeViolation[];
  }, exclude);
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.length} nodes)`);
}

// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field, as a client would.
type Loose = any;

/**
 * A real gateway (port 0, temporary HOME unless `start` says otherwise) and a browser for the enclosing
 * describe block: both started before its tests and stopped after. Read the fields inside tests.
 */
export function browserWithGateway(start: () => Promise<GatewayProcess> = () => startGatewayProcess()): {
  gw: GatewayProcess;
  session: BrowserSession;
  /** A JSON request to the gateway as another client would send it (POST when there is a body). */
  api(path: string, body?: unknown, method?: string): Promise<Loose>;
} {
  const context = {
    api: async (path: string, body?: unknown, method = body === undefined ? "GET" : "POST") => {
      const answer = await fetch(`${context.gw.url}${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return answer.json();
    },
  } as {
    gw: GatewayProcess;
    session: BrowserSession;
    api(path: string, body?: unknown, method?: string): Promise<Loose>;
  };
  beforeAll(async () => {
    context.gw = await start();
    context.session = await openBrowser();
  });
  afterAll(async () => {
    await context.session?.close();
    await context.gw?.stop();
  });
  return context;
}
