import { describe, expect, it } from "vitest";

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely, as a client would
type Json = Record<string, any>;

import { createTestApp } from "../../helpers/app.js";

const json = { "content-type": "application/json" };

/** /api/channels over the memory driver: channels.yaml written and read back, secrets never answered. */
describe("/api/channels", () => {
  it("creates, lists, updates, disables and deletes a channel; secrets are masked and kept on update", async () => {
    const { app } = createTestApp();
    const created = await app.request("/api/channels", {
      method: "POST",
      headers: json,
      body: JSON.stringify({
        name: "team-slack",
        type: "slack",
        bot_token: "xoxb-secret",
        signing_secret: "${SLACK_SIGNING}",
      }),
    });
    expect(created.status).toBe(201);
    const view = (await created.json()) as Json;
    expect(view).toMatchObject({ name: "team-slack", platform: "slack", enabled: true });
    expect(view.config).toEqual({ bot_token: "***", signing_secret: "${SLACK_SIGNING}" });
    expect(JSON.stringify(view)).not.toContain("xoxb-secret");

    // A client sending the masked value back keeps the stored secret.
    const patched = await app.request("/api/channels/team-slack", {
      method: "PATCH",
      headers: json,
      body: JSON.stringify({ bot_token: "***", chat_id: "C1" }),
    });
    expect(patched.status).toBe(200);
    const disabled = await app.request("/api/channels/team-slack/disable", { method: "POST" });
    expect(((await disabled.json()) as Json).enabled).toBe(false);
    const listed = (await (await app.request("/api/channels")).json()) as Json;
    expect(listed.channels[0]).toMatchObject({ enabled: false, config: { bot_token: "***", chat_id: "C1" } });
    expect(listed.channels[0].status.state).toBe("disabled");

    const duplicate = await app.request("/api/channels", {
      method: "POST",
      headers: json,
      body: JSON.stringify({ name: "team-slack", platform: "slack", bot_token: "x" }),
    });
    expect(duplicate.status).toBe(409);
    const deleted = await app.request("/api/channels/team-slack", { method: "DELETE" });
    expect(await deleted.json()).toEqual({ deleted: "team-slack" });
    expect((await app.request("/api/channels/team-slack")).status).toBe(404);
  });

  it("refuses bad input with a 4xx naming the field", async () => {
    const { app } = createTestApp();
    const post = (body: unknown) =>
      app.request("/api/channels", { method: "POST", headers: json, body: JSON.stringify(body) });
    const noPlatform = await post({ name: "x", bot_token: "t" });
    expect(noPlatform.status).toBe(400);
    expect(((await noPlatform.json()) as Json).error).toContain("platform");
    const noToken = await post({ name: "x", platform: "telegram" });
    expect(noToken.status).toBe(400);
    expect(((await noToken.json()) as Json).error).toContain("bot_token");
    const badName = await post({
      name: "a/b",
      platform: "webhook",
      url: "http://127.0.0.1:1/x",
      secret: "s",
    });
    expect(badName.status).toBe(400);
    const badUrl = await post({ name: "w", platform: "webhook", url: "ftp://x", secret: "s" });
    expect(badUrl.status).toBe(400);
    // Without the Node runtime's channel service, the platform-facing parts answer 501.
    const test = await post({ name: "w", platform: "webhook", url: "http://127.0.0.1:1/x", secret: "s" });
    expect(test.status).toBe(201);
    expect((await app.request("/api/channels/w/test", { method: "POST" })).status).toBe(501);
  });
});
