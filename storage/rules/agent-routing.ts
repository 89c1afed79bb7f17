/*
 * Which agent answers a message: the ordered rules of routes.yaml, first match wins. Pure, so the HTTP
 * routes and any runtime caller decide the same way; the classifier step (running an agent) is the
 * caller's, since it needs a run.
 */
import type { RouteRule } from "../agent-routes.js";
import { normalizeAbsolutePath } from "./paths.js";

export interface RouteInput {
  message: string;
  channel?: string;
  sender?: string;
  /** The workspace the message belongs to (absolute). */
  workspacePath?: string;
}

export interface RuleMatch {
  rule: RouteRule;
  /** 0-based position in the file. */
  index: number;
  /** What held, e.g. `channel=telegram`, `keyword "refund"`. */
  matched: string[];
}

const listOf = (value: string | string[] | undefined) =>
  value === undefined ? undefined : Array.isArray(value) ? value : [value];

/** What in the input satisfies the rule, or undefined when one of its conditions fails. */
export function matchRule(rule: RouteRule, input: RouteInput): string[] | undefined {
  const matched: string[] = [];
  const channels = listOf(rule.channel);
  if (channels) {
    const hit = channels.find((c) => c.toLowerCase() === input.channel?.toLowerCase());
    if (!hit) return undefined;
    matched.push(`channel=${hit}`);
  }
  const senders = listOf(rule.sender);
  if (senders) {
    const hit = senders.find((s) => s === input.sender);
    if (!hit) return undefined;
    matched.push(`sender=${hit}`);
  }
  const workspaces = listOf(rule.workspace);
  if (workspaces) {
    if (!input.workspacePath) return undefined;
    const path = normalizeAbsolutePath(input.workspacePath);
    const hit = workspaces.find((w) => {
      const root = normalizeAbsolutePath(w);
      return path === root || path.startsWith(root.endsWith("/") ? root : `${root}/`);
    });
    if (!hit) return undefined;
    matched.push(`workspace=${hit}`);
  }
  if (rule.keywords) {
    const text = input.message.toLowerCase();
    const hits = rule.keywords.filter((k) => text.includes(k.toLowerCase()));
    if (hits.length === 0) return undefined;
    matched.push(...hits.map((k) => `keyword "${k}"`));
  }
  if (rule.regex !== undefined) {
    const found = new RegExp(rule.regex, rule.regex_flags ?? "i").exec(input.message);
    if (!found) return undefined;
    matched.push(`regex /${rule.regex}/ matched "${found[0].slice(0, 80)}"`);
  }
  if (matched.length === 0) matched.push("catch-all rule");
  return matched;
}

/** The first rule that matches, in file order. */
export function firstMatchingRule(rules: readonly RouteRule[], input: RouteInput): RuleMatch | undefined {
  for (const [index, rule] of rules.entries()) {
    const matched = matchRule(rule, input);
    if (matched) return { rule, index, matched };
  }
  return undefined;
}

/** A rule's name in explanations: its id, else its position. */
export function ruleName(match: Pick<RuleMatch, "rule" | "index">): string {
  return match.rule.id ?? `#${match.index + 1}`;
}
