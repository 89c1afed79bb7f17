import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChannelAdapter } from "../../../runtime/channels/adapter.js";
import { createDiscordAdapter } from "../../../runtime/channels/adapters/discord.js";
import { createTelegramAdapter } from "../../../runtime/channels/adapters/telegram.js";
import { ChannelOutbox, OutboxCrash } from "../../../runtime/channels/outbox.js";
import { ChannelOutboxRepository, type DeliveryRecord } from "../../../storage/channel-outbox.js";
import { fsBackends } from "../../../storage/drivers/fs-atomic.js";
import { Scopes } from "../../../storage/scopes.js";
import { startDiscordStub, startTelegramStub } from "../../fixtures/channel-stubs.js";
import { silentLogger } from "../../helpers/app.js";

/**
 * A crash between the platform accepting a message and the outbox recording it: the first outbox dies
 * right there (afterSend throws), a second one over the same files takes over, as after a restart. The
 * platform must not show the message twice: Telegram's is left `uncertain` and not resent, Discord's is
 * resent with the same nonce, which Discord answers with the first message instead of a new one.
 */
describe("channel outbox across a crash between send and record", () => {
  let root: string;
  let scopes: Scopes;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "viben-outbox-"));
    scopes = new Scopes({ home: root, globalRoot: join(root, ".viben"), backend: fsBackends() });
  });
  afterEach(async () => {
    await scopes.dispose();
    await rm(root, { recursive: true, force: true });
  });

  /** Runs one outbox until the crash, then a fresh one until the delivery settles; answers the final record. */
  async function crashThenRestart(adapter: ChannelAdapter, platform: string): Promise<DeliveryRecord> {
    const repo = new ChannelOutboxRepository(scopes.global());
    const crashed = new Promise<void>((resolve) => {
      const first = new ChannelOutbox({
        repo,
        adapterOf: () => adapter,
        logger: silentLogger,
        afterSend: async () => {
          resolve();
          throw new OutboxCrash("the process died here");
        },
      });
      void first.enqueue({ id: "d1", channel: "c", platform, chat_id: "900", text: "the answer" });
    });
    await crashed;
    const second = new ChannelOutbox({ repo, adapterOf: () => adapter, logger: silentLogger });
    const settled = new Promise<DeliveryRecord>((resolve) =>
      second.onChange((r) => {
        if (["delivered", "uncertain", "failed"].includes(r.status)) resolve(r);
      }),
    );
    await second.start();
    const record = await settled;
    await second.stop();
    return record;
  }

  it("Telegram: the uncertain attempt is not sent again", async () => {
    const stub = await startTelegramStub("1:tok");
    try {
      const adapter = createTelegramAdapter({
        name: "c",
        config: { platform: "telegram", bot_token: "1:tok", api_root: stub.url },
        logger: silentLogger,
        now: Date.now,
      });
      const record = await crashThenRestart(adapter, "telegram");
      expect(record.status).toBe("uncertain");
      expect(stub.calls.filter((c) => c.method === "sendMessage")).toHaveLength(1);
    } finally {
      await stub.close();
    }
  });

  it("Discord: resent with the same nonce, and Discord creates no second message", async () => {
    const stub = await startDiscordStub();
    try {
      const adapter = createDiscordAdapter({
        name: "c",
        config: { platform: "discord", bot_token: "t", api_url: stub.apiUrl },
        logger: silentLogger,
        now: Date.now,
      });
      const record = await crashThenRestart(adapter, "discord");
      expect(record.status).toBe("delivered");
      const posts = stub.calls.filter((c) => c.path === "/api/v10/channels/900/messages");
      expect(posts).toHaveLength(2);
      expect(posts[1]!.body.nonce).toBe(posts[0]!.body.nonce);
      expect(stub.created()).toBe(1);
      expect(record.message_ids).toHaveLength(1);
    } finally {
      await stub.close();
    }
  });
});

describe("channel outbox while a channel restarts", () => {
  it("retries a delivery whose channel is not running yet instead of failing it", async () => {
    const root = await mkdtemp(join(tmpdir(), "viben-outbox-"));
    const scopes = new Scopes({ home: root, globalRoot: join(root, ".viben"), backend: fsBackends() });
    try {
      const sent: string[] = [];
      const adapter = {
        receive: "webhook",
        idempotentSend: true,
        parts: (text: string) => [text],
        start: async () => {},
        stop: async () => {},
        send: async (_target: unknown, part: string) => {
          sent.push(part);
          return "m1";
        },
        intake: async () => {
          throw new Error("not used");
        },
        test: async () => "ok",
      } as unknown as ChannelAdapter;
      // The channel is away for the first attempt (restarting after an edit), back for the next.
      let running = false;
      const outbox = new ChannelOutbox({
        repo: new ChannelOutboxRepository(scopes.global()),
        adapterOf: () => {
          const current = running ? adapter : undefined;
          running = true;
          return current;
        },
        logger: silentLogger,
      });
      const states: string[] = [];
      const delivered = new Promise<DeliveryRecord>((resolve) =>
        outbox.onChange((r) => {
          states.push(r.status);
          if (r.status === "delivered" || r.status === "failed") resolve(r);
        }),
      );
      await outbox.enqueue({ id: "d1", channel: "c", platform: "webhook", chat_id: "1", text: "hello" });
      const record = await delivered;
      await outbox.stop();
      expect(record).toMatchObject({ status: "delivered", attempts: 2 });
      expect(states).toContain("pending");
      expect(sent).toEqual(["hello"]);
    } finally {
      await scopes.dispose();
      await rm(root, { recursive: true, force: true });
    }
  });
});
