/*
 * Diagnostics on a real gateway: /diag reports versions, executors, storage health, queue and cron; the
 * export bundle (admin only) is a tar.gz that holds no secret the test planted in gateway.yaml (API key,
 * hook token, OAuth client secret, a hand-written password), in a provider's API key, in the environment
 * and in a log line.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { extract } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DiagReport } from "../../handlers/capabilities/diagnostics.js";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { silentLogger } from "../helpers/app.js";
import { makeTempHome } from "../helpers/gateway-process.js";

const SECRETS = {
  adminKey: "adm1n-planted-key-9f8e7d6c",
  viewerKey: "v1ewer-planted-key-1a2b3c4d",
  hookToken: "h00k-planted-token-5e6f7a8b",
  clientSecret: "oauth-planted-client-secret-77",
  handWritten: "hand-written-password-4242",
  providerKey: "pr0vider-planted-api-key-31337",
  envToken: "env-planted-deploy-token-2718",
  // Unknown to the gateway, but shaped like an API key.
  logged: "sk-logged-planted-credential-1618",
};

async function untar(gz: Uint8Array): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: unknown) => chunks.push(c as Buffer));
      stream.on("end", () => {
        files.set(header.name, Buffer.concat(chunks).toString("utf8"));
        next();
      });
    });
    ex.on("finish", () => resolve());
    ex.on("error", reject);
  });
  ex.end(gunzipSync(gz));
  await done;
  return files;
}

describe("diagnostics and the redacted export bundle", () => {
  let gw: RunningGateway;
  let home: string;
  const admin = { authorization: `Bearer ${SECRETS.adminKey}` };
  const viewer = { authorization: `Bearer ${SECRETS.viewerKey}` };

  beforeAll(async () => {
    home = await makeTempHome();
    await mkdir(join(home, ".viben"), { recursive: true });
    await writeFile(
      join(home, ".viben", "gateway.yaml"),
      [
        "api_keys:",
        `  - {name: root, key: ${SECRETS.adminKey}, role: admin}`,
        `  - {name: watcher, key: ${SECRETS.viewerKey}, role: viewer}`,
        "hooks:",
        `  tokens: [{name: ci, token: ${SECRETS.hookToken}}]`,
        "oauth:",
        "  providers:",
        "    idp:",
        "      authorize_url: https://idp.example/authorize",
        "      token_url: https://idp.example/token",
        "      client_id: viben",
        `      client_secret: ${SECRETS.clientSecret}`,
        "my_service:",
        `  password: ${SECRETS.handWritten}`,
        "",
      ].join("\n"),
    );
    gw = await startGateway({
      port: 0,
      env: { HOME: home, PATH: process.env.PATH, MY_DEPLOY_TOKEN: SECRETS.envToken, VIBEN_LOG_LEVEL: "warn" },
      logger: silentLogger,
    });
    const created = await fetch(`${gw.url}/api/providers`, {
      method: "POST",
      headers: { "content-type": "application/json", ...admin },
      body: JSON.stringify({
        id: "acme",
        type: "openai-compatible",
        base_url: "https://acme.example/v1",
        api_key: SECRETS.providerKey,
      }),
    });
    expect(created.status).toBeLessThan(300);
    // A secret that reached a log line, the way an upstream error message might carry it.
    gw.app.services.logger.error({
      msg: "upstream refused",
      detail: `sent ${SECRETS.logged}, ${SECRETS.providerKey}, ${SECRETS.envToken}`,
    });
  });

  afterAll(async () => {
    await gw?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("reports state without secrets", async () => {
    const res = await fetch(`${gw.url}/diag`, { headers: viewer });
    expect(res.status).toBe(200);
    const report = (await res.json()) as DiagReport;
    expect(report.gateway.node).toBe(process.version);
    expect(report.storage[0]).toMatchObject({ root: join(home, ".viben"), writable: true });
    expect(report.storage[0]?.free_bytes).toBeGreaterThan(0);
    expect(report.executors.map((e) => e.id)).toContain("CLAUDE_CODE");
    expect(report.queue.counts).toMatchObject({ queued: 0 });
    expect(report.cron).toMatchObject({ jobs: 0 });
    expect(report.oauth.configured).toEqual(["idp"]);
    expect(report.recent_errors.some((e) => e.msg === "upstream refused")).toBe(true);
    const text = JSON.stringify(report);
    for (const [name, secret] of Object.entries(SECRETS)) expect(text, name).not.toContain(secret);
  });

  it("exports a tar.gz for admins only, holding no planted secret", async () => {
    const refused = await fetch(`${gw.url}/diag/export`, { method: "POST", headers: viewer });
    expect(refused.status).toBe(403);
    const res = await fetch(`${gw.url}/api/diag/export`, { method: "POST", headers: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/gzip");
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="viben-diag-.*\.tar\.gz"/);
    const files = await untar(new Uint8Array(await res.arrayBuffer()));
    const names = [...files.keys()].map((n) => n.split("/").slice(1).join("/")).sort();
    expect(names).toEqual(["env.json", "gateway.yaml", "logs/recent.jsonl", "providers.json", "report.json"]);
    const all = [...files.values()].join("\n");
    for (const [name, secret] of Object.entries(SECRETS)) expect(all, name).not.toContain(secret);
    // What is there is still useful: names, ids and the log line itself.
    expect(all).toContain("upstream refused");
    expect(all).toContain("MY_DEPLOY_TOKEN");
    expect(all).toContain("acme");
    expect(all).toContain("client_id: viben");
  });
});
