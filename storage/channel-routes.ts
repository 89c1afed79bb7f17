import type { DocumentStore } from "./documents.js";
import { type Indexed, newRuleId, RuleList } from "./rule-list.js";
import {
  identityOf,
  matchesGlob,
  matchesText,
  type RuleSubject,
  textPatternProblem,
} from "./rules/channel-match.js";
import { idSchema } from "./schema-helpers.js";
import { z } from "./zod.js";

export const CHANNEL_ROUTES_FILE = "channel-routes.yaml";

const glob = z.string().min(1, "must not be empty").max(256);

/**
 * One channel route: every condition given must hold (`*` wildcards in channel, platform, chat and sender;
 * `text_pattern` a regular expression; `pattern` OpenVesper's `channel:identity` wildcard), and the
 * message goes to `agent_id` (in `workspace_path` when given).
 */
export const ChannelRouteSchema = z
  .object({
    channel: glob.optional(),
    platform: glob.optional(),
    chat_id: glob.optional(),
    sender_id: glob.optional(),
    text_pattern: z
      .string()
      .superRefine((value, ctx) => {
        const problem = textPatternProblem(value);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .optional(),
    pattern: glob.optional(),
    agent_id: idSchema,
    workspace_path: z.string().startsWith("/", "must be an absolute path").optional(),
    /** OpenVesper's: a higher priority wins over list order; 0 when absent. */
    priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
    label: z.string().max(200).optional(),
    created_at: z.string().optional(),
  })
  .loose();

export type ChannelRoute = Indexed<z.output<typeof ChannelRouteSchema>>;
export type NewChannelRoute = z.output<typeof ChannelRouteSchema>;

export interface RouteResolution {
  route: ChannelRoute | null;
}

export function routeMatches(route: ChannelRoute, subject: RuleSubject): boolean {
  if (route.channel !== undefined && !matchesGlob(route.channel, subject.channel)) return false;
  if (route.platform !== undefined && !matchesGlob(route.platform, subject.platform)) return false;
  if (route.chat_id !== undefined && !matchesGlob(route.chat_id, subject.chat_id)) return false;
  if (route.sender_id !== undefined && !matchesGlob(route.sender_id, subject.sender_id)) return false;
  if (route.pattern !== undefined && !matchesGlob(route.pattern, identityOf(subject))) return false;
  if (route.text_pattern !== undefined) {
    if (subject.text === undefined || !matchesText(route.text_pattern, subject.text)) return false;
  }
  return true;
}

/** The route a message takes: the first match in list order, a higher `priority` first. */
export function resolveRoute(routes: ChannelRoute[], subject: RuleSubject): ChannelRoute | null {
  let best: ChannelRoute | null = null;
  for (const route of routes) {
    if (best && (route.priority ?? 0) <= (best.priority ?? 0)) continue;
    if (routeMatches(route, subject)) best = route;
  }
  return best;
}

/** `~/.viben/channel-routes.yaml` (`routes:`), in order. */
export class ChannelRouteRepository {
  private readonly rules: RuleList<typeof ChannelRouteSchema>;

  constructor(
    store: DocumentStore,
    private readonly now: () => Date,
  ) {
    this.rules = new RuleList(store, CHANNEL_ROUTES_FILE, "routes", ChannelRouteSchema, "channel route");
  }

  list(): Promise<ChannelRoute[]> {
    return this.rules.list();
  }

  add(route: NewChannelRoute, position?: number): Promise<ChannelRoute> {
    return this.rules.insert(
      { id: newRuleId("route"), ...route, created_at: this.now().toISOString() },
      position,
    );
  }

  removeAt(index: number): Promise<ChannelRoute | null> {
    return this.rules.removeAt(index);
  }

  removeById(id: string): Promise<ChannelRoute> {
    return this.rules.removeById(id);
  }

  async resolve(subject: RuleSubject): Promise<ChannelRoute | null> {
    return resolveRoute(await this.list(), subject);
  }
}
