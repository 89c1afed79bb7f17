import type { DocumentStore } from "./documents.js";
import { type Indexed, newRuleId, RuleList } from "./rule-list.js";
import { identityOf, matchesGlob, type RuleSubject } from "./rules/channel-match.js";
import { z } from "./zod.js";

export const ACCESS_FILE = "access.yaml";

const glob = z.string().min(1, "must not be empty").max(256);

/**
 * One access rule. Ours: `effect` allow/deny when every condition given holds (who: `sender_id`,
 * `channel`, `platform`, `chat_id`, `api_key` (the key's name); what: `agent_id`, `*` wildcards).
 * OpenVesper's: `agent` with `allow`/`deny` lists of `channel:identity` patterns (deny first; a sender
 * outside a non-empty allow list is denied).
 */
export const AccessRuleSchema = z
  .object({
    effect: z.enum(["allow", "deny"]).optional(),
    sender_id: glob.optional(),
    channel: glob.optional(),
    platform: glob.optional(),
    chat_id: glob.optional(),
    api_key: glob.optional(),
    agent_id: glob.optional(),
    allow: z.array(glob).max(1000).optional(),
    deny: z.array(glob).max(1000).optional(),
    label: z.string().max(200).optional(),
    created_at: z.string().optional(),
  })
  .loose()
  .refine((rule) => rule.effect !== undefined || rule.allow !== undefined || rule.deny !== undefined, {
    message: "effect (allow or deny), or OpenVesper's allow/deny lists, is required",
    path: ["effect"],
  });

export type AccessRule = Indexed<z.output<typeof AccessRuleSchema>>;
export type NewAccessRule = z.output<typeof AccessRuleSchema>;

/** With no rule matching, access is allowed: rules narrow an open gateway (API keys already guard it). */
export const DEFAULT_ACCESS = "allow" as const;

export interface AccessDecision {
  allowed: boolean;
  reason: string;
  /** The rule that decided; null when none matched and the default applied. */
  rule: AccessRule | null;
}

/**
 * First match wins. A subject without an agent (an inbound message before its route is known) leaves the
 * decision open (`undefined`) when a rule that names an agent could still match ahead of the first match.
 */
export function decideAccess(rules: AccessRule[], subject: RuleSubject): AccessDecision | undefined {
  for (const rule of rules) {
    const verdict = ruleVerdict(rule, subject);
    if (verdict === "skip") continue;
    if (verdict === "open") return undefined;
    const name = rule.label ?? rule.id;
    return {
      allowed: verdict === "allow",
      reason: verdict === "allow" ? `allowed by rule '${name}'` : `denied by rule '${name}'`,
      rule,
    };
  }
  return { allowed: true, reason: "no rule matched: allowed by default", rule: null };
}

function ruleVerdict(rule: AccessRule, subject: RuleSubject): "allow" | "deny" | "skip" | "open" {
  const agentUnknown = subject.agent_id === undefined && rule.agent_id !== undefined && rule.agent_id !== "*";
  const conditions: [string | undefined, string | undefined][] = [
    [rule.sender_id, subject.sender_id],
    [rule.channel, subject.channel],
    [rule.platform, subject.platform],
    [rule.chat_id, subject.chat_id],
    [rule.api_key, subject.api_key],
    ...(agentUnknown ? [] : [[rule.agent_id, subject.agent_id] as [string | undefined, string | undefined]]),
  ];
  for (const [pattern, value] of conditions) {
    if (pattern !== undefined && !matchesGlob(pattern, value)) return "skip";
  }
  const verdict = rule.effect ?? listVerdict(rule, identityOf(subject));
  if (verdict === "skip") return "skip";
  return agentUnknown ? "open" : verdict;
}

function listVerdict(rule: AccessRule, identity: string | undefined): "allow" | "deny" | "skip" {
  if (identity === undefined) return "skip";
  if (rule.deny?.some((p) => matchesGlob(p, identity))) return "deny";
  if (rule.allow && rule.allow.length > 0) {
    return rule.allow.some((p) => matchesGlob(p, identity)) ? "allow" : "deny";
  }
  return "skip";
}

/** `~/.viben/access.yaml` (`rules:`), in order. */
export class AccessRuleRepository {
  private readonly rules: RuleList<typeof AccessRuleSchema>;

  constructor(
    store: DocumentStore,
    private readonly now: () => Date,
  ) {
    this.rules = new RuleList(store, ACCESS_FILE, "rules", AccessRuleSchema, "access rule");
  }

  list(): Promise<AccessRule[]> {
    return this.rules.list();
  }

  add(rule: NewAccessRule, position?: number): Promise<AccessRule> {
    return this.rules.insert(
      { id: newRuleId("access"), ...rule, created_at: this.now().toISOString() },
      position,
    );
  }

  removeAt(index: number): Promise<AccessRule | null> {
    return this.rules.removeAt(index);
  }

  removeById(id: string): Promise<AccessRule> {
    return this.rules.removeById(id);
  }

  async check(subject: RuleSubject): Promise<AccessDecision | undefined> {
    return decideAccess(await this.list(), subject);
  }
}
