/*
 * OAuth sign-in round trip on a real gateway against the local OAuth server stub: start → the browser
 * follows the authorize redirect → the gateway's callback checks state, exchanges the code (PKCE) and
 * stores the tokens encrypted (the file holds no token in plain text, the key lives outside the data
 * folder) → listed without secrets → refreshed on read once the injected clock passes expiry → DELETE
 * revokes at the provider. Also a gateway with API keys: the callback is public, the rest needs a key.
 */
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { type OAuthStub, startOAuthStub } from "../fixtures/oauth-stub.js";
import { silentLogger } from "../helpers/app.js";
import { makeTempHome } from "../helpers/gateway-process.js";

type Json = Record<string, unknown>;

describe("OAuth token store against a local OAuth server", () => {
  let stub: OAuthStub;
  let gw: RunningGateway;
  let home: string;
  let clockMs = Date.parse("2026-03-01T10:00:00Z");

  beforeAll(async () => {
    stub = await startOAuthStub({ clientSecret: "stub-client-secret-42", expiresIn: 3600 });
    home = await makeTempHome();
    const viben = join(home, ".viben");
    await mkdir(viben, { recursive: true });
    await writeFile(
      join(viben, "gateway.yaml"),
      [
        "oauth:",
        "  providers:",
        "    localidp:",
        `      authorize_url: ${stub.authorizeUrl}`,
        `      token_url: ${stub.tokenUrl}`,
        `      revocation_url: ${stub.revokeUrl}`,
        "      client_id: viben-test-client",
        "      client_secret: ${LOCALIDP_SECRET}",
        "      scopes: [read, write]",
        "",
      ].join("\n"),
    );
    gw = await startGateway({
      port: 0,
      env: { HOME: home, LOCALIDP_SECRET: "stub-client-secret-42", PATH: process.env.PATH },
      logger: silentLogger,
      oauthNow: () => clockMs,
    });
  });

  afterAll(async () => {
    await gw?.close();
    await stub?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, body?: unknown): Promise<[number, Json]> => {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return [res.status, (await res.json()) as Json];
  };

  /** What a browser does: open the authorize URL and follow the provider's redirect to the callback. */
  async function signIn(path = "/oauth/start"): Promise<Json> {
    const [status, started] = await call("POST", path, { provider: "localidp" });
    expect(status).toBe(200);
    const authorize = await fetch(started.authorize_url as string, { redirect: "manual" });
    expect(authorize.status).toBe(302);
    const callback = authorize.headers.get("location") as string;
    expect(callback.startsWith(started.redirect_uri as string)).toBe(true);
    const res = await fetch(callback);
    expect(res.status).toBe(200);
    return (await res.json()) as Json;
  }

  it("starts a PKCE flow, completes it through the callback and stores the tokens encrypted", async () => {
    const [status, started] = await call("POST", "/oauth/start", { provider: "localidp" });
    expect(status).toBe(200);
    const authorize = new URL(started.authorize_url as string);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: "code",
      client_id: "viben-test-client",
      redirect_uri: `${gw.url}/oauth/callback`,
      scope: "read write",
      state: started.state,
      code_challenge_method: "S256",
    });
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const redirect = await fetch(authorize, { redirect: "manual" });
    const callback = new URL(redirect.headers.get("location") as string);
    // A forged state is refused and does not spend the real one.
    const forged = new URL(callback);
    forged.searchParams.set("state", "not-the-state");
    const refused = await fetch(forged);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Json).code).toBe("OAUTH_STATE_INVALID");

    const done = await fetch(callback, { headers: { accept: "text/html" } });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("Signed in to <b>localidp</b>");
    // The state is one-time: replaying the callback is refused.
    const replay = await fetch(callback);
    expect(replay.status).toBe(400);

    const token = stub.accessTokens.at(-1) as string;
    const refresh = stub.refreshTokens.at(-1) as string;
    const exchange = stub.requests.find((r) => r.endpoint === "token");
    expect(exchange?.params).toMatchObject({
      grant_type: "authorization_code",
      client_secret: "stub-client-secret-42",
    });
    expect(exchange?.params.code_verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);

    const file = await readFile(join(home, ".viben", "oauth", "tokens", "localidp.yaml"), "utf8");
    expect(file).not.toContain(token);
    expect(file).not.toContain(refresh);
    expect(file).toContain("aes-256-gcm");
    const key = join(home, ".config", "viben", "oauth.key");
    expect((await stat(key)).mode & 0o777).toBe(0o600);

    const [, list] = await call("GET", "/oauth/tokens");
    expect(list).toMatchObject({ providers: ["localidp"], configured: ["localidp"] });
    const text = JSON.stringify(list);
    expect(text).not.toContain(token);
    expect(text).not.toContain(refresh);
    expect(text).not.toContain("stub-client-secret-42");
    const [, one] = await call("GET", "/api/oauth/tokens/localidp");
    expect(one).toMatchObject({
      provider: "localidp",
      has_refresh_token: true,
      hasRefreshToken: true,
      scope: "read write",
      token_type: "bearer",
      expires_at: new Date(clockMs + 3600_000).toISOString(),
      refresh_count: 0,
      expired: false,
    });
  });

  it("refreshes on read once the clock passes the refresh point, rotating the refresh token", async () => {
    const before = stub.refreshTokens.at(-1) as string;
    clockMs += 3600_000 - 30_000; // 30 s before expiry: inside the refresh margin
    const [status, info] = await call("GET", "/oauth/tokens/localidp");
    expect(status).toBe(200);
    expect(info).toMatchObject({ refresh_count: 1, expired: false });
    expect(info.refreshed_at).toBe(new Date(clockMs).toISOString());
    expect(info.expires_at).toBe(new Date(clockMs + 3600_000).toISOString());
    const refreshes = stub.requests.filter(
      (r) => r.endpoint === "token" && r.params.grant_type === "refresh_token",
    );
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]?.params.refresh_token).toBe(before);
    expect(stub.isActive(before)).toBe(false);
    const file = await readFile(join(home, ".viben", "oauth", "tokens", "localidp.yaml"), "utf8");
    expect(file).not.toContain(stub.accessTokens.at(-1) as string);
    // Read again without moving the clock: nothing to refresh.
    await call("GET", "/oauth/tokens/localidp");
    expect(stub.requests.filter((r) => r.params.grant_type === "refresh_token")).toHaveLength(1);
  });

  it("DELETE revokes both tokens at the provider and forgets them", async () => {
    const access = stub.accessTokens.at(-1) as string;
    const refresh = stub.refreshTokens.at(-1) as string;
    const [status, body] = await call("DELETE", "/oauth/tokens/localidp");
    expect(status).toBe(200);
    expect(body).toEqual({ deleted: true, revoked: true });
    expect(stub.revoked.has(access) && stub.revoked.has(refresh)).toBe(true);
    expect(stub.isActive(refresh)).toBe(false);
    const [missing, error] = await call("GET", "/oauth/tokens/localidp");
    expect(missing).toBe(404);
    expect(error.code).toBe("OAUTH_TOKENS_NOT_FOUND");
    const [, list] = await call("GET", "/oauth/tokens");
    expect(list.providers).toEqual([]);
    const [again] = await call("DELETE", "/oauth/tokens/localidp");
    expect(again).toBe(404);
  });

  it("signs in again through the /api home, and names unknown providers", async () => {
    const info = await signIn("/api/oauth/start");
    expect(info).toMatchObject({ provider: "localidp", has_refresh_token: true });
    const [status, error] = await call("POST", "/oauth/start", { provider: "nope" });
    expect(status).toBe(404);
    expect(error).toMatchObject({ code: "OAUTH_PROVIDER_NOT_CONFIGURED" });
    expect(error.error).toContain("configured: localidp");
  });
});
