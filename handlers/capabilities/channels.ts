import type { DeliveryRecord, DeliveryStatus } from "../../storage/channel-outbox.js";

export type { DeliveryRecord, DeliveryStatus } from "../../storage/channel-outbox.js";

/** A configured channel's live state, as /api/channels lists it. */
export interface ChannelStatus {
  /** `running`: receiving and sending; `error`: it failed to start (see `error`); `disabled`; `stopped`. */
  state: "starting" | "running" | "error" | "disabled" | "stopped";
  error?: string;
  /** How it receives: `polling`, `webhook` (POST /api/channels/{name}/events) or `send-only`. */
  receive?: string;
  since: string;
}

/** A platform's request to the intake route, as received (the body unparsed: signatures cover its bytes). */
export interface ChannelIntakeRequest {
  headers: Record<string, string>;
  body: string;
}

export interface ChannelIntakeAnswer {
  status: number;
  body: unknown;
}

export interface ChannelTestResult {
  ok: boolean;
  /** Who the credentials belong to on the platform (bot name), or why the check failed. */
  detail: string;
}

/**
 * Configured messaging channels (Node): adapters started from channels.yaml, inbound intake, the durable
 * outbox. Handlers reach it for live status, tests and the platforms' signed intake requests.
 */
export interface ChannelService {
  status(name: string): ChannelStatus | undefined;
  /** Re-reads channels.yaml and starts, restarts or stops channels to match it. */
  reload(): Promise<void>;
  /** Calls the platform with the channel's credentials (no message is sent). */
  test(name: string): Promise<ChannelTestResult>;
  /** A platform's request to /api/channels/{name}/events: verified, answered, its messages handled. */
  intake(name: string, request: ChannelIntakeRequest): Promise<ChannelIntakeAnswer>;
  deliveries(filter: {
    run_id?: string;
    session_id?: string;
    channel?: string;
    status?: DeliveryStatus;
  }): Promise<DeliveryRecord[]>;
}
