import { afterAll, describe, expect, it } from "vitest";
import { noKeySuite, readApiSuite } from "./read-api.suite.js";
import { workerdTarget } from "./targets.js";

// The shared black-box suite against `wrangler dev` (workerd), data published by `npm run publish:edge`.
const withKeys = workerdTarget(true);
const withoutKeys = workerdTarget(false);
afterAll(() => Promise.all([withKeys.stop(), withoutKeys.stop()]), 30_000);

readApiSuite(withKeys);
noKeySuite(withoutKeys);

describe("no-key mode on workerd: the client address", () => {
  it("comes from CF-Connecting-IP, so a remote client is refused", async () => {
    const remote = await fetch(`${withoutKeys.baseUrl}/api/agent`, {
      headers: { "cf-connecting-ip": "203.0.113.9" },
    });
    expect(remote.status).toBe(403);
    expect(((await remote.json()) as { code: string }).code).toBe("FORBIDDEN_REMOTE");
    const local = await fetch(`${withoutKeys.baseUrl}/api/agent`, { headers: { "cf-connecting-ip": "::1" } });
    expect(local.status).toBe(200);
  });
});
