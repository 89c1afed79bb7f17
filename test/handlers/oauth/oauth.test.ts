import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OAuthManager, type Timer } from "../../../runtime/oauth/oauth-manager.js";
import { TokenCipher } from "../../../runtime/oauth/token-cipher.js";
import { readOAuthProviders } from "../../../storage/oauth-providers.js";
import { OAuthTokenRepository } from "../../../storage/oauth-tokens.js";
import type { Scopes } from "../../../storage/scopes.js";
import { type OAuthStub, startOAuthStub } from "../../fixtures/oauth-stub.js";
import { createTestApp, HOME, json, jsonRequest, silentLogger } from "../../helpers/app.js";

/** Timers the test fires by hand: what the manager armed, and with which delay. */
function manualTimers() {
  const armed: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  return {
    armed,
    setTimer: (fn: () => void, ms: number): Timer => {
      const entry = { fn, ms, cancelled: false };
      armed.push(entry);
      return { cancel: () => (entry.cancelled = true) };
    },
    live: () => armed.filter((t) => !t.cancelled),
  };
}

describe("/oauth handlers", () => {
  let stub: OAuthStub;
  let now: number;
  let timers: ReturnType<typeof manualTimers>;
  let manager: OAuthManager;
  let scopes: Scopes;
  let app: ReturnType<typeof createTestApp>["app"];
  const env = { VIBEN_OAUTH_KEY: randomBytes(32).toString("base64") };

  beforeAll(async () => {
    stub = await startOAuthStub();
  });
  afterAll(async () => {
    await stub?.close();
  });

  beforeEach(async () => {
    now = Date.parse("2026-01-01T00:00:00Z");
    timers = manualTimers();
    const built = createTestApp({
      env,
      extend: ({ scopes: s }) => {
        manager = new OAuthManager({
          providers: () => readOAuthProviders(s.global(), env),
          tokens: new OAuthTokenRepository(s.global()),
          cipher: new TokenCipher({ env, home: HOME, dataRoot: `${HOME}/.viben` }),
          logger: silentLogger,
          now: () => now,
          setTimer: timers.setTimer,
        });
        return { oauth: manager };
      },
    });
    app = built.app;
    scopes = built.scopes;
    await scopes.global().store.write("gateway.yaml", {
      oauth: {
        providers: {
          // OpenVesper's spelling of a provider.
          idp: {
            authUrl: stub.authorizeUrl,
            tokenUrl: stub.tokenUrl,
            clientId: "viben-test-client",
            scopes: "a b",
          },
          down: {
            authorize_url: "http://127.0.0.1:9/authorize",
            token_url: "http://127.0.0.1:9/token",
            client_id: "x",
          },
        },
      },
    });
  });

  async function signIn(provider = "idp"): Promise<Response> {
    const started = await json(await app.request("/oauth/start", jsonRequest("POST", { provider })));
    const redirect = await fetch(started.authorize_url as string, { redirect: "manual" });
    const location = new URL(redirect.headers.get("location") as string);
    return app.request(`${location.pathname}${location.search}`);
  }

  it("answers 501 where the runtime has no OAuth service", async () => {
    const bare = createTestApp().app;
    const res = await bare.request("/api/oauth/tokens");
    expect(res.status).toBe(501);
    expect((await json(res)).code).toBe("NOT_SUPPORTED_IN_RUNTIME");
  });

  it("names bad input: a missing or unsafe provider, an unknown one", async () => {
    const missing = await app.request("/oauth/start", jsonRequest("POST", {}));
    expect(missing.status).toBe(400);
    expect((await json(missing)).error).toContain("provider");
    const unsafe = await app.request("/oauth/start", jsonRequest("POST", { provider: "../x" }));
    expect(unsafe.status).toBe(400);
    const unknown = await app.request("/api/oauth/start", jsonRequest("POST", { provider: "github" }));
    expect(unknown.status).toBe(404);
    expect(await json(unknown)).toMatchObject({ code: "OAUTH_PROVIDER_NOT_CONFIGURED" });
    const callback = await app.request("/oauth/callback?code=x");
    expect(callback.status).toBe(400);
    expect((await json(callback)).code).toBe("OAUTH_STATE_MISSING");
  });

  it("a broken oauth section in gateway.yaml is a clear 400, not a 500", async () => {
    await scopes.global().store.write("gateway.yaml", { oauth: { providers: { idp: { client_id: "x" } } } });
    const res = await app.request("/oauth/start", jsonRequest("POST", { provider: "idp" }));
    expect(res.status).toBe(400);
    expect((await json(res)).error).toContain("oauth.providers.idp: authorize_url is required");
  });

  it("stores tokens encrypted, and the timer refreshes them before expiry", async () => {
    const res = await signIn();
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ provider: "idp", scope: "a b", refresh_count: 0 });
    const raw = (await scopes.global().store.readRaw("oauth:tokens:idp.yaml")) as string;
    expect(raw).not.toContain(stub.accessTokens.at(-1) as string);
    expect(raw).not.toContain(stub.refreshTokens.at(-1) as string);
    expect(await manager.accessToken("idp")).toBe(stub.accessTokens.at(-1));

    // One timer, a minute before the hour-long token expires.
    expect(timers.live().map((t) => t.ms)).toEqual([3600_000 - 60_000]);
    now += 3600_000 - 60_000;
    timers.live()[0]?.fn();
    await expect
      .poll(() => stub.requests.filter((r) => r.params.grant_type === "refresh_token").length)
      .toBe(1);
    await expect.poll(async () => (await manager.get("idp"))?.refresh_count).toBe(1);
    expect(await manager.accessToken("idp")).toBe(stub.accessTokens.at(-1));
    // The next refresh is armed for the new token.
    expect(timers.live().at(-1)?.ms).toBe(3600_000 - 60_000);
  });

  it("refreshes on read when the timer did not run (the machine slept)", async () => {
    await signIn();
    now += 2 * 3600_000;
    const res = await app.request("/api/oauth/tokens/idp");
    expect(await json(res)).toMatchObject({ refresh_count: 1, expired: false });
  });

  it("a refused code is a 400 naming the provider's error; an unreachable provider a 502", async () => {
    const started = await json(await app.request("/oauth/start", jsonRequest("POST", { provider: "idp" })));
    const refused = await app.request(`/oauth/callback?state=${started.state}&code=forged`);
    expect(refused.status).toBe(400);
    expect(await json(refused)).toMatchObject({ code: "OAUTH_PROVIDER_REFUSED" });
    expect((await json(await app.request("/oauth/tokens"))).providers).toEqual([]);

    const down = await json(await app.request("/oauth/start", jsonRequest("POST", { provider: "down" })));
    const unreachable = await app.request(`/oauth/callback?state=${down.state}&code=c`);
    expect(unreachable.status).toBe(502);
    expect((await json(unreachable)).code).toBe("OAUTH_PROVIDER_ERROR");
  });

  it("needs a key for everything but the callback once API keys are configured", async () => {
    const doc = (await scopes.global().store.read("gateway.yaml"))?.data ?? {};
    await scopes.global().store.write("gateway.yaml", {
      ...doc,
      api_keys: [
        { name: "viewer", key: "viewer-key-123456", role: "viewer" },
        { name: "ops", key: "ops-key-123456", role: "operator" },
      ],
    });
    const anonymous = await app.request("/oauth/tokens");
    expect(anonymous.status).toBe(401);
    const viewer = { authorization: "Bearer viewer-key-123456" };
    const asViewer = await app.request("/oauth/start", jsonRequest("POST", { provider: "idp" }, viewer));
    expect(asViewer.status).toBe(403);
    const ops = { authorization: "Bearer ops-key-123456" };
    const started = await json(
      await app.request("/oauth/start", jsonRequest("POST", { provider: "idp" }, ops)),
    );
    const redirect = await fetch(started.authorize_url as string, { redirect: "manual" });
    const location = new URL(redirect.headers.get("location") as string);
    // The browser comes back without a key: the state is its credential.
    const done = await app.request(`${location.pathname}${location.search}`);
    expect(done.status).toBe(200);
    const listed = await app.request("/oauth/tokens", { headers: viewer });
    expect((await json(listed)).providers).toEqual(["idp"]);
  });
});
