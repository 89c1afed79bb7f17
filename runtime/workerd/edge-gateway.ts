import type { Storage } from "unstorage";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { GatewayApp } from "../../handlers/index.js";
import { createEdgeApp, type EdgeSite } from "./edge-app.js";
import { EDGE_KEYS, EdgeManifestSchema, readPublished } from "./manifest.js";

/** How long an isolate trusts the manifest it read: a new publish shows within this time. */
const SITE_TTL_MS = 10_000;

export interface EdgeGatewayOptions {
  kv: Storage;
  env: Readonly<Record<string, string>>;
  /** The home directory to assume until something is published. */
  fallbackHome: string;
  logger: Logger;
}

/**
 * One isolate's gateway: reads the publish manifest (at most every 10 s) and keeps an app built for the
 * site it names, rebuilding it when a publish moved the home or the roots.
 */
export class EdgeGateway {
  private site: { value: EdgeSite; signature: string; readAt: number } | undefined;
  private app: { signature: string; app: GatewayApp } | undefined;

  constructor(private readonly options: EdgeGatewayOptions) {}

  async fetch(request: Request, bindings: unknown, ctx: unknown): Promise<Response> {
    // Liveness does not wait for KV once an app exists.
    const app =
      this.app && new URL(request.url).pathname === "/health" ? this.app.app : await this.currentApp();
    return app.fetch(request, bindings as never, ctx as never);
  }

  private async currentApp(): Promise<GatewayApp> {
    const site = await this.currentSite();
    if (this.app?.signature !== site.signature) {
      this.app = {
        signature: site.signature,
        app: createEdgeApp({
          kv: this.options.kv,
          site: site.value,
          env: this.options.env,
          logger: this.options.logger,
        }),
      };
    }
    return this.app.app;
  }

  private async currentSite(): Promise<{ value: EdgeSite; signature: string }> {
    const now = Date.now();
    if (this.site && now - this.site.readAt < SITE_TTL_MS) return this.site;
    const manifest = await readPublished(this.options.kv, EDGE_KEYS.manifest, EdgeManifestSchema);
    const home = manifest?.home ?? this.options.fallbackHome;
    const value: EdgeSite = {
      home,
      globalRoot: manifest?.global_root ?? `${home.replace(/\/+$/, "")}/.viben`,
      workspaces: manifest?.workspaces ?? [],
    };
    this.site = { value, signature: JSON.stringify(value), readAt: now };
    return this.site;
  }
}
