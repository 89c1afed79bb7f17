import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWeb } from "../../scripts/build-web.mjs";
import {
  type GatewayProcess,
  makeTempHome,
  startGatewayProcess,
  statusWithHost,
} from "../helpers/gateway-process.js";

const KEY = "dash-admin-key-0123456789";

describe("the dashboard's page and files, served by the gateway", () => {
  let webDir: string;
  let script: string;
  let open: GatewayProcess;
  let keyed: GatewayProcess;
  let unbuilt: GatewayProcess;

  beforeAll(async () => {
    webDir = await mkdtemp(join(tmpdir(), "viben-web-"));
    ({ script } = await buildWeb(webDir));
    open = await startGatewayProcess({ env: { VIBEN_WEB_DIR: webDir } });
    const home = await makeTempHome();
    await mkdir(join(home, ".viben"), { recursive: true });
    await writeFile(
      join(home, ".viben/gateway.yaml"),
      `api_keys:\n  - { name: a, key: '${KEY}', role: admin }\n`,
    );
    keyed = await startGatewayProcess({ home, env: { VIBEN_WEB_DIR: webDir } });
    unbuilt = await startGatewayProcess({ env: { VIBEN_WEB_DIR: join(webDir, "missing") } });
  });

  afterAll(async () => {
    await Promise.all([open?.stop(), keyed?.stop(), unbuilt?.stop()]);
    await rm(webDir, { recursive: true, force: true });
  });

  it("answers / with the page, a strict Content Security Policy and a validator", async () => {
    const page = await fetch(`${open.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("cache-control")).toBe("no-cache");
    const html = await page.text();
    expect(html).toContain(`/ui/${script}`);
    const etag = page.headers.get("etag") as string;
    const again = await fetch(`${open.url}/`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
  });

  it("serves every built file under /ui/ as immutable, and nothing else", async () => {
    for (const name of await readdir(webDir)) {
      if (name === "index.html") continue;
      const file = await fetch(`${open.url}/ui/${name}`);
      expect(file.status, name).toBe(200);
      expect(file.headers.get("cache-control")).toContain("immutable");
      await file.arrayBuffer();
    }
    for (const path of ["/ui/index.html", "/ui/..%2Fpackage.json", "/ui/.hidden.js", "/ui/missing-X.js"]) {
      const refused = await fetch(`${open.url}${path}`);
      expect(refused.status, path).toBe(404);
      expect(await refused.json()).toMatchObject({ code: "NOT_FOUND" });
    }
  });

  it("never shadows an API path: unknown paths and OpenVesper's root paths answer JSON as before", async () => {
    const unknown = await fetch(`${open.url}/no-such-path`, { headers: { accept: "text/html" } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: "NOT_FOUND" });
    const sessions = await fetch(`${open.url}/sessions`, { headers: { accept: "text/html" } });
    expect(sessions.headers.get("content-type")).toContain("application/json");
  });

  it("with API keys: the page and its files are public, the API is not, and /api/whoami names the key", async () => {
    expect((await fetch(`${keyed.url}/`)).status).toBe(200);
    expect((await fetch(`${keyed.url}/ui/${script}`)).status).toBe(200);
    const anonymous = await fetch(`${keyed.url}/api/whoami`);
    expect(anonymous.status).toBe(401);
    const who = await fetch(`${keyed.url}/api/whoami`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(await who.json()).toEqual({ role: "admin", key_name: "a", keys_required: true });
    // Only reads of the page are public: anything else under / still needs a key.
    expect((await fetch(`${keyed.url}/`, { method: "POST" })).status).toBe(401);
  });

  it("without keys, a loopback caller is admin; a foreign Host is refused even for the page", async () => {
    const who = await fetch(`${open.url}/api/whoami`);
    expect(await who.json()).toEqual({ role: "admin", key_name: null, keys_required: false });
    const status = await statusWithHost(open.url, "/", "evil.example");
    expect(status).toBe(403);
    const origin = await fetch(`${open.url}/`, { headers: { origin: "https://evil.example" } });
    expect(origin.status).toBe(403);
  });

  it("says how to build the dashboard when it is not built", async () => {
    const answer = await fetch(`${unbuilt.url}/`);
    expect(answer.status).toBe(404);
    expect(await answer.json()).toMatchObject({ code: "DASHBOARD_NOT_BUILT" });
  });
});
