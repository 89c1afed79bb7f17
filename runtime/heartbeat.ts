import type { EventBus } from "../handlers/capabilities/events.js";
import type { HeartbeatService, HeartbeatStatus } from "../handlers/capabilities/heartbeat.js";
import type { Logger } from "../handlers/capabilities/logger.js";
import type { QueueJob, RunQueue } from "../handlers/capabilities/queue.js";
import type { GatewayConfig, GatewayConfigSource } from "../storage/gateway-config.js";
import type { HeartbeatSettings } from "../storage/heartbeat-config.js";
import type { Scope } from "../storage/scopes.js";
import type { SessionRepository } from "../storage/sessions.js";
import { SettingsRepository } from "../storage/settings.js";

export interface HeartbeatMonitorOptions {
  config: GatewayConfigSource;
  queue: RunQueue;
  /** The global scope: `heartbeat/state.yaml` keeps the last outcome across restarts. */
  scope: Scope;
  events?: EventBus;
  /** Read for the run's answer when `alert_on` markers are configured. */
  sessions?: SessionRepository;
  logger: Logger;
  now?: () => Date;
  /** How often gateway.yaml is checked for an edited `heartbeat:` (no I/O while unchanged). */
  pollMs?: number;
}

type Outcome = Pick<
  HeartbeatStatus,
  "last_run_at" | "last_status" | "consecutive_failures" | "last_run_id" | "last_session_id" | "last_error"
>;

const STATE_KEY = "heartbeat:state.yaml";
const EMPTY: Outcome = {
  last_run_at: null,
  last_status: null,
  consecutive_failures: 0,
  last_run_id: null,
  last_session_id: null,
  last_error: null,
};

/**
 * The gateway.yaml heartbeat: every `interval` one check run of `agent_id` with `prompt` goes through the
 * run queue; a run that does not succeed, or whose answer contains an `alert_on` marker, publishes
 * `heartbeat_alert`. One check at a time (a slow one delays the next, never doubles it). Edits to
 * gateway.yaml apply within `pollMs`; the next check counts from the last one, so restarts and reloads
 * neither skip nor bunch checks.
 */
export class HeartbeatMonitor implements HeartbeatService {
  private readonly now: () => Date;
  private readonly defaults = new SettingsRepository();
  private settings: HeartbeatSettings | undefined;
  private settingsKey = "";
  private lastConfig: GatewayConfig | undefined;
  private outcome: Outcome = { ...EMPTY };
  private nextAt: Date | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private poller: ReturnType<typeof setInterval> | undefined;
  private checking: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: HeartbeatMonitorOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async start(): Promise<void> {
    const stored = (await this.options.scope.store.read(STATE_KEY).catch(() => null))?.data ?? {};
    this.outcome = { ...EMPTY, ...(stored as Partial<Outcome>) };
    if (this.outcome.last_status === "running") this.outcome.last_status = null;
    await this.apply(await this.options.config.get());
    this.poller = setInterval(() => void this.poll(), this.options.pollMs ?? 2000);
    this.poller.unref?.();
  }

  /** Stops scheduling; a check in flight is left to the queue (its outcome is not awaited). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.poller) clearInterval(this.poller);
  }

  async status(): Promise<HeartbeatStatus> {
    const s = this.settings;
    return {
      enabled: s?.enabled ?? false,
      interval: s?.intervalSeconds ?? null,
      agent_id: s?.agent_id ?? null,
      ...this.outcome,
      next_run_at: this.nextAt?.toISOString() ?? null,
    };
  }

  async reload(): Promise<HeartbeatStatus> {
    await this.apply(await this.options.config.get());
    return this.status();
  }

  private async poll(): Promise<void> {
    try {
      const config = this.options.config.peek() ?? (await this.options.config.get());
      if (config !== this.lastConfig) await this.apply(config);
    } catch (error) {
      this.options.logger.warn({
        msg: "heartbeat: reading gateway.yaml failed",
        error: (error as Error).message,
      });
    }
  }

  private async apply(config: GatewayConfig): Promise<void> {
    this.lastConfig = config;
    const key = JSON.stringify(config.heartbeat ?? null);
    if (key === this.settingsKey) return;
    this.settingsKey = key;
    this.settings = config.heartbeat;
    this.options.logger.info({
      msg: "heartbeat configured",
      enabled: this.settings?.enabled ?? false,
      interval: this.settings?.intervalSeconds,
    });
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.nextAt = undefined;
    const s = this.settings;
    if (!s?.enabled || this.stopped) return;
    const now = this.now().getTime();
    const last = this.outcome.last_run_at ? Date.parse(this.outcome.last_run_at) : undefined;
    const due =
      last === undefined ? now + s.intervalSeconds * 1000 : Math.max(now, last + s.intervalSeconds * 1000);
    this.nextAt = new Date(due);
    this.timer = setTimeout(() => this.tick(), due - now);
    this.timer.unref?.();
  }

  private tick(): void {
    this.timer = undefined;
    const settings = this.settings;
    if (this.checking || !settings?.enabled || this.stopped) {
      this.schedule();
      return;
    }
    this.checking = this.check(settings)
      .catch((error: unknown) =>
        this.options.logger.error({ msg: "heartbeat: check failed", error: (error as Error).message }),
      )
      .finally(() => {
        this.checking = undefined;
        this.schedule();
      });
  }

  private async check(settings: HeartbeatSettings): Promise<void> {
    const startedAt = this.now().toISOString();
    this.outcome = { ...this.outcome, last_run_at: startedAt, last_status: "running" };
    this.schedule();
    const agentId = settings.agent_id ?? (await this.defaults.defaultAgent(this.options.scope));
    if (!agentId) return this.finish(undefined, "failed", "heartbeat: no agent_id and no default agent set");
    let job: QueueJob;
    try {
      job = await this.options.queue.enqueue({
        agent_id: agentId,
        prompt: settings.prompt,
        ...(settings.workdir ? { workdir: settings.workdir } : {}),
        source: "heartbeat",
        source_id: `heartbeat-${startedAt}`,
        max_attempts: 1,
      });
    } catch (error) {
      return this.finish(undefined, "failed", `could not queue the check: ${(error as Error).message}`);
    }
    const done = await this.options.queue.waitFor(job.id);
    if (done.status !== "succeeded") {
      return this.finish(
        done,
        "failed",
        `the check run ${done.status}${done.error ? `: ${done.error}` : ""}`,
      );
    }
    const marker = settings.alertOn.length > 0 ? await this.markerIn(done, settings.alertOn) : undefined;
    if (marker) return this.finish(done, "alert", `the answer contains "${marker}"`);
    return this.finish(done, "succeeded");
  }

  /** The first alert marker found in the run's answer (its assistant messages). */
  private async markerIn(job: QueueJob, markers: string[]): Promise<string | undefined> {
    const { sessionId, runId } = runIds(job);
    if (!sessionId || !this.options.sessions) return undefined;
    const page = await this.options.sessions.listMessages(sessionId, { limit: 200 });
    const answer = page.messages
      .filter((m) => m.role === "assistant" && (!runId || m.run_id === runId))
      .map((m) => m.content)
      .join("\n");
    return markers.find((m) => answer.includes(m));
  }

  private async finish(
    job: QueueJob | undefined,
    status: "succeeded" | "failed" | "alert",
    reason?: string,
  ): Promise<void> {
    const { sessionId, runId } = job ? runIds(job) : {};
    this.outcome = {
      ...this.outcome,
      last_status: status,
      consecutive_failures: status === "succeeded" ? 0 : this.outcome.consecutive_failures + 1,
      last_run_id: runId ?? null,
      last_session_id: sessionId ?? null,
      last_error: reason ?? null,
    };
    if (status !== "succeeded") {
      this.options.events?.publish({
        type: "heartbeat_alert",
        reason: reason ?? status,
        ...(runId ? { run_id: runId } : {}),
        ...(sessionId ? { session_id: sessionId } : {}),
        ...(job ? { agent_id: job.agent_id, job_id: job.id } : {}),
        consecutive_failures: this.outcome.consecutive_failures,
      });
    }
    if (!this.stopped) await this.options.scope.store.write(STATE_KEY, { ...this.outcome });
  }
}

function runIds(job: QueueJob): { sessionId?: string; runId?: string } {
  const attempt = job.attempt_log?.at(-1);
  const sessionId = attempt?.session_id ?? job.session_id;
  const runId = job.run_id ?? attempt?.run_id;
  return { ...(sessionId ? { sessionId } : {}), ...(runId ? { runId } : {}) };
}
