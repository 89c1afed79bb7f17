import { z } from "@hono/zod-openapi";
import {
  CHANNEL_PLATFORMS,
  type ChannelProblem,
  type ChannelRecord,
  isChannelProblem,
  redactChannelConfig,
} from "../../storage/channels.js";
import type { ChannelService } from "../capabilities/channels.js";

export const ChannelStatusSchema = z
  .object({
    state: z.enum(["starting", "running", "error", "disabled", "stopped", "not_running"]),
    error: z.string().optional(),
    receive: z.string().optional().openapi({ description: "polling, webhook or send-only" }),
    since: z.string().optional(),
  })
  .openapi("ChannelStatus");

export const ChannelViewSchema = z
  .object({
    name: z.string(),
    id: z.string().openapi({ description: "The name (the original Viben calls it id)" }),
    platform: z.string(),
    channel_type: z.string().openapi({ description: "The platform, as the original Viben names it" }),
    enabled: z.boolean(),
    agent: z.string().optional(),
    config: z
      .record(z.string(), z.unknown())
      .openapi({ description: "The channel's settings; secrets masked (`***`) unless `${ENV}` references" }),
    status: ChannelStatusSchema,
    intake_path: z
      .string()
      .optional()
      .openapi({ description: "Where the platform sends events (webhook mode, Slack, Discord, webhook)" }),
    error: z.string().optional().openapi({ description: "Why the channels.yaml entry is invalid" }),
  })
  .openapi("Channel");

export type ChannelView = z.infer<typeof ChannelViewSchema>;

const intakePath = (name: string) => `/api/channels/${encodeURIComponent(name)}/events`;

/** A channel as answered: settings with secrets masked, and its live status where the runtime runs channels. */
export function channelView(entry: ChannelRecord | ChannelProblem, service?: ChannelService): ChannelView {
  const live = service?.status(entry.name);
  if (isChannelProblem(entry)) {
    return {
      name: entry.name,
      id: entry.name,
      platform: entry.platform ?? "unknown",
      channel_type: entry.platform ?? "unknown",
      enabled: false,
      config: {},
      status: live ?? { state: "error", error: entry.error },
      error: entry.error,
    };
  }
  const { platform, enabled: _enabled, agent, ...settings } = entry.config;
  return {
    name: entry.name,
    id: entry.name,
    platform,
    channel_type: platform,
    enabled: entry.enabled,
    ...(agent ? { agent } : {}),
    config: redactChannelConfig(settings),
    status: live ?? { state: entry.enabled ? "not_running" : "disabled" },
    intake_path: intakePath(entry.name),
  };
}

export const PlatformSchema = z.enum(CHANNEL_PLATFORMS);
