import { rm, statfs, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { CronService } from "../../handlers/capabilities/cron.js";
import type { DiagnosticsService, DiagReport } from "../../handlers/capabilities/diagnostics.js";
import type { ExecutorCatalog } from "../../handlers/capabilities/executors.js";
import type { RunQueue } from "../../handlers/capabilities/queue.js";
import { GATEWAY_CONFIG_KEY, type GatewayConfigSource } from "../../storage/gateway-config.js";
import { compileOAuthProviders } from "../../storage/oauth-providers.js";
import { OAuthTokenRepository } from "../../storage/oauth-tokens.js";
import { ProviderRepository } from "../../storage/providers.js";
import { QUEUE_STATUSES } from "../../storage/queue-schemas.js";
import type { Scope } from "../../storage/scopes.js";
import { newYamlDocument, stringifyYaml } from "../../storage/yaml.js";
import type { LogRing } from "./log-ring.js";
import { environmentSecrets, SECRET_ENV_NAME, SecretScrubber } from "./scrub.js";

/** Environment variables whose values are shown as they are; every other is listed by name only. */
const SHOWN_ENV = new Set([
  "VIBEN_HOME",
  "VIBEN_HOST",
  "VIBEN_PORT",
  "VIBEN_LOG_LEVEL",
  "NODE_ENV",
  "TZ",
  "LANG",
  "SHELL",
]);

export interface DiagnosticsOptions {
  version: string;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  globalRoot: string;
  scope: Scope;
  gatewayConfig: GatewayConfigSource;
  executors: ExecutorCatalog;
  queue: RunQueue;
  cron: CronService;
  logs: LogRing;
  startedAt: number;
}

/**
 * /diag and /diag/export (after OpenVesper's apps/gateway/src/diagnostics.ts): versions, gateway.yaml
 * redacted, executor availability, storage health, queue and cron state, recent errors; the export adds
 * recent logs, providers and environment names in one tar.gz. Everything passes one scrubber that knows the
 * configured secrets, so a secret that reached a log line is masked there too.
 */
export class GatewayDiagnostics implements DiagnosticsService {
  constructor(private readonly options: DiagnosticsOptions) {}

  async report(): Promise<DiagReport> {
    return (await this.collect()).report;
  }

  async bundle(): Promise<{ filename: string; data: Uint8Array }> {
    const { report, scrub, rawConfig } = await this.collect();
    const providers = await this.providers(scrub);
    const env = Object.fromEntries(
      Object.keys(this.options.env)
        .sort()
        .map((name) => [
          name,
          SHOWN_ENV.has(name) && !SECRET_ENV_NAME.test(name) ? this.options.env[name] : "(set)",
        ]),
    );
    const stamp = report.generated_at.replace(/[:.]/g, "-");
    const dir = `viben-diag-${stamp}`;
    const files: [string, string][] = [
      ["report.json", JSON.stringify(report, null, 2)],
      ["gateway.yaml", stringifyYaml(newYamlDocument(scrub.value(rawConfig) as Record<string, unknown>))],
      ["providers.json", JSON.stringify(providers, null, 2)],
      ["env.json", JSON.stringify(scrub.value(env), null, 2)],
      [
        "logs/recent.jsonl",
        `${this.options.logs
          .recent()
          .map((line) => scrub.text(line))
          .join("\n")}\n`,
      ],
    ];
    // tar-stream only loads for an export.
    const { pack } = await import("tar-stream");
    const archive = pack();
    const chunks: Buffer[] = [];
    archive.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
    const ended = new Promise<void>((resolve, reject) => {
      archive.on("end", () => resolve());
      archive.on("error", reject);
    });
    const mtime = new Date(report.generated_at);
    for (const [name, text] of files) {
      // Every file passes the scrubber a last time, whatever built it.
      archive.entry({ name: `${dir}/${name}`, mode: 0o600, mtime }, scrub.text(text));
    }
    archive.finalize();
    await ended;
    return { filename: `${dir}.tar.gz`, data: gzipSync(Buffer.concat(chunks)) };
  }

  private async collect(): Promise<{
    report: DiagReport;
    scrub: SecretScrubber;
    rawConfig: Record<string, unknown>;
  }> {
    const o = this.options;
    const rawConfig = (await o.scope.store.read(GATEWAY_CONFIG_KEY).catch(() => null))?.data ?? {};
    const config = await o.gatewayConfig.get().catch(() => undefined);
    const scrub = new SecretScrubber([
      ...(config?.apiKeys.map((k) => k.key) ?? []),
      ...(config?.hookTokens.map((t) => t.token) ?? []),
      ...environmentSecrets(o.env),
      ...(await this.providerSecrets()),
      ...this.oauthSecrets(rawConfig),
    ]);
    const [executors, storage, queue, cron, withTokens] = await Promise.all([
      o.executors.list(o.home).then(
        (list) => list.map((e) => ({ id: e.id, availability: e.availability.type })),
        () => [],
      ),
      this.storageHealth(),
      this.queueState(),
      this.cronState(),
      new OAuthTokenRepository(o.scope).providers().catch(() => []),
    ]);
    let oauthConfigured: string[] = [];
    try {
      oauthConfigured = [...compileOAuthProviders(rawConfig.oauth, o.env).keys()].sort();
    } catch {
      // A broken oauth section shows in the config itself.
    }
    const report = {
      generated_at: new Date().toISOString(),
      gateway: {
        version: o.version,
        node: process.version,
        platform: process.platform,
        arch: process.arch,
        pid: process.pid,
        uptime_seconds: Math.round((Date.now() - o.startedAt) / 1000),
      },
      config: scrub.value(rawConfig) as Record<string, unknown>,
      config_warnings: (config?.warnings ?? []).map((w) => scrub.text(w)),
      executors,
      storage,
      queue,
      cron,
      oauth: { configured: oauthConfigured, with_tokens: withTokens },
      recent_errors: scrub.value(o.logs.errors()) as Record<string, unknown>[],
    };
    return { report, scrub, rawConfig };
  }

  /** Writable (a probe file made and removed) and free space of the data folder. */
  private async storageHealth(): Promise<DiagReport["storage"]> {
    const root = this.options.globalRoot;
    // `.tmp`: a probe a crash leaves behind is swept at the next start like any interrupted write.
    const probe = join(root, `.diag-probe-${process.pid}.tmp`);
    let writable = false;
    let error: string | undefined;
    try {
      await writeFile(probe, "ok");
      writable = true;
    } catch (e) {
      error = (e as Error).message;
    } finally {
      await rm(probe, { force: true }).catch(() => {});
    }
    let free: number | null = null;
    try {
      const fs = await statfs(root);
      free = Number(fs.bavail) * Number(fs.bsize);
    } catch (e) {
      error ??= (e as Error).message;
    }
    return [{ root, writable, free_bytes: free, ...(error ? { error } : {}) }];
  }

  private async queueState(): Promise<Record<string, unknown>> {
    try {
      const jobs = await this.options.queue.list({ limit: 10_000 });
      const counts = Object.fromEntries(QUEUE_STATUSES.map((s) => [s, 0])) as Record<string, number>;
      for (const job of jobs) counts[job.status] = (counts[job.status] ?? 0) + 1;
      const lanes = this.options.queue.lanes ? await this.options.queue.lanes() : undefined;
      return { counts, ...(lanes ? { lanes } : {}) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  private async cronState(): Promise<Record<string, unknown>> {
    try {
      const { jobs, problems } = await this.options.cron.list();
      return {
        jobs: jobs.length,
        enabled: jobs.filter((j) => j.enabled).length,
        next_run: jobs.flatMap((j) => j.next_runs.slice(0, 1)).sort()[0] ?? null,
        problems: problems.length,
      };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  /** Providers as configured, their keys and header values redacted. */
  private async providers(scrub: SecretScrubber): Promise<unknown[]> {
    try {
      const repo = new ProviderRepository(this.options.scope, () => new Date());
      const { providers } = await repo.list([this.options.scope], this.options.env);
      return providers.map((p) => scrub.value({ id: p.id, source: p.source, ...p.config }));
    } catch (error) {
      return [{ error: scrub.text((error as Error).message) }];
    }
  }

  private async providerSecrets(): Promise<string[]> {
    try {
      const repo = new ProviderRepository(this.options.scope, () => new Date());
      const { providers } = await repo.list([this.options.scope], this.options.env);
      const config = (p: (typeof providers)[number]) =>
        p.config as { api_key?: string; headers?: Record<string, string> };
      return providers.flatMap((p) => [config(p).api_key ?? "", ...Object.values(config(p).headers ?? {})]);
    } catch {
      return [];
    }
  }

  private oauthSecrets(rawConfig: Record<string, unknown>): string[] {
    try {
      return [...compileOAuthProviders(rawConfig.oauth, this.options.env).values()].flatMap((p) =>
        p.clientSecret ? [p.clientSecret] : [],
      );
    } catch {
      return [];
    }
  }
}
