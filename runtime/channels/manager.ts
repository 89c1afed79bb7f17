import type { InboundMessage } from "../../handlers/capabilities/channel-gate.js";
import type {
  ChannelIntakeAnswer,
  ChannelIntakeRequest,
  ChannelService,
  ChannelStatus,
  ChannelTestResult,
} from "../../handlers/capabilities/channels.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { ChannelOutboxRepository } from "../../storage/channel-outbox.js";
import {
  type ChannelConfig,
  type ChannelPlatform,
  type ChannelRecord,
  type ChannelRepository,
  expandChannelSecrets,
  isChannelProblem,
} from "../../storage/channels.js";
import type { AdapterContext, ChannelAdapter } from "./adapter.js";

type Env = Readonly<Record<string, string | undefined>>;
type AdapterFactory = (context: AdapterContext) => ChannelAdapter;

/** Each platform's client library is loaded only when a channel of that platform is configured. */
const LOADERS: Record<ChannelPlatform, () => Promise<AdapterFactory>> = {
  telegram: async () => (await import("./adapters/telegram.js")).createTelegramAdapter,
  slack: async () => (await import("./adapters/slack.js")).createSlackAdapter,
  discord: async () => (await import("./adapters/discord.js")).createDiscordAdapter,
  webhook: async () => (await import("./adapters/webhook.js")).createWebhookAdapter,
};

interface Running {
  record: ChannelRecord;
  /** The settings it was started with, to tell whether an edit needs a restart. */
  fingerprint: string;
  adapter: ChannelAdapter;
}

export interface ChannelManagerOptions {
  repo: ChannelRepository;
  outboxRepo: ChannelOutboxRepository;
  env: Env;
  logger: Logger;
  now?: () => number;
  /** Where a verified inbound message goes (the inbound pipeline). */
  onMessage: (channel: ChannelRecord, message: InboundMessage) => void;
}

/**
 * Runs the channels of channels.yaml: one adapter per enabled channel, restarted when its settings
 * change. A channel that fails to start is reported in its status and leaves the rest (and the gateway)
 * running.
 */
export class ChannelManager implements ChannelService {
  private readonly running = new Map<string, Running>();
  private readonly statuses = new Map<string, ChannelStatus>();
  private readonly now: () => number;
  private reloading: Promise<void> = Promise.resolve();

  constructor(private readonly options: ChannelManagerOptions) {
    this.now = options.now ?? Date.now;
  }

  adapterOf(name: string): ChannelAdapter | undefined {
    return this.running.get(name)?.adapter;
  }

  recordOf(name: string): ChannelRecord | undefined {
    return this.running.get(name)?.record;
  }

  status(name: string): ChannelStatus | undefined {
    return this.statuses.get(name);
  }

  /** Serialised: two edits in a row never start one channel twice. */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(
      () => this.sync(),
      () => this.sync(),
    );
    return this.reloading;
  }

  async stop(): Promise<void> {
    await this.reloading.catch(() => undefined);
    await Promise.all([...this.running.keys()].map((name) => this.stopChannel(name, "stopped")));
  }

  async test(name: string): Promise<ChannelTestResult> {
    const record = await this.options.repo.require(name);
    try {
      const adapter = this.adapterOf(name) ?? (await this.create(record));
      return { ok: true, detail: await adapter.test() };
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    }
  }

  async intake(name: string, request: ChannelIntakeRequest): Promise<ChannelIntakeAnswer> {
    const running = this.running.get(name);
    if (!running) {
      return {
        status: 404,
        body: {
          error: `channel '${name}' is not configured, enabled and running`,
          code: "CHANNEL_NOT_RUNNING",
          details: { channel: name },
        },
      };
    }
    const result = await running.adapter.intake(request);
    for (const message of result.messages) {
      this.options.onMessage(running.record, {
        ...message,
        channel: name,
        platform: running.record.config.platform,
      });
    }
    return result.answer;
  }

  async deliveries(filter: Parameters<ChannelService["deliveries"]>[0]) {
    return (await this.options.outboxRepo.list()).filter(
      (d) =>
        // A run is named by its own id or by the queue job that started it (what a wake answers).
        (!filter.run_id || d.run_id === filter.run_id || d.job_id === filter.run_id) &&
        (!filter.session_id || d.session_id === filter.session_id) &&
        (!filter.channel || d.channel === filter.channel) &&
        (!filter.status || d.status === filter.status),
    );
  }

  private setStatus(name: string, status: Omit<ChannelStatus, "since">): void {
    this.statuses.set(name, { ...status, since: new Date(this.now()).toISOString() });
  }

  private async create(record: ChannelRecord): Promise<ChannelAdapter> {
    const config = expandChannelSecrets(
      record.config as ChannelConfig & Record<string, unknown>,
      this.options.env,
    );
    const factory = await LOADERS[config.platform]();
    return factory({ name: record.name, config, logger: this.options.logger, now: this.now });
  }

  private async sync(): Promise<void> {
    let entries: Awaited<ReturnType<ChannelRepository["list"]>>;
    try {
      entries = await this.options.repo.list();
    } catch (error) {
      this.options.logger.error({ msg: "cannot read channels.yaml", error: (error as Error).message });
      return;
    }
    const names = new Set(entries.map((e) => e.name));
    for (const name of [...this.running.keys()])
      if (!names.has(name)) await this.stopChannel(name, "stopped");
    for (const name of [...this.statuses.keys()]) if (!names.has(name)) this.statuses.delete(name);
    await Promise.all(
      entries.map(async (entry) => {
        if (isChannelProblem(entry)) {
          await this.stopChannel(entry.name, "error");
          this.setStatus(entry.name, { state: "error", error: `channels.yaml: ${entry.error}` });
          return;
        }
        if (!entry.enabled) {
          await this.stopChannel(entry.name, "disabled");
          return;
        }
        const fingerprint = JSON.stringify(entry.config);
        if (this.running.get(entry.name)?.fingerprint === fingerprint) return;
        await this.stopChannel(entry.name, "stopped");
        await this.startChannel(entry, fingerprint);
      }),
    );
  }

  private async startChannel(record: ChannelRecord, fingerprint: string): Promise<void> {
    this.setStatus(record.name, { state: "starting" });
    try {
      const adapter = await this.create(record);
      await adapter.start((message) =>
        this.options.onMessage(record, {
          ...message,
          channel: record.name,
          platform: record.config.platform,
        }),
      );
      this.running.set(record.name, { record, fingerprint, adapter });
      this.setStatus(record.name, { state: "running", receive: adapter.receive });
      this.options.logger.info({ msg: "channel started", channel: record.name, receive: adapter.receive });
    } catch (error) {
      const message = (error as Error).message;
      this.setStatus(record.name, { state: "error", error: message });
      this.options.logger.error({ msg: "channel failed to start", channel: record.name, error: message });
    }
  }

  private async stopChannel(name: string, state: "stopped" | "disabled" | "error"): Promise<void> {
    const running = this.running.get(name);
    this.running.delete(name);
    if (running) {
      try {
        await running.adapter.stop();
      } catch (error) {
        this.options.logger.warn({
          msg: "channel did not stop cleanly",
          channel: name,
          error: (error as Error).message,
        });
      }
    }
    if (state !== "error") this.setStatus(name, { state });
  }
}
