import safeRegex from "safe-regex2";

/** Longest text pattern accepted: with the star-height check below it keeps matching cheap (ReDoS). */
export const MAX_TEXT_PATTERN_LENGTH = 256;
/** Only the head of a long message is matched against text patterns, so one message costs little. */
export const MAX_MATCHED_TEXT_LENGTH = 4096;

/**
 * Why a text pattern is refused, or undefined when it is a usable regular expression: it must compile,
 * stay under the length cap, and have no nested quantifiers (`(a+)+`), the shape behind catastrophic
 * backtracking.
 */
export function textPatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return "must not be empty";
  if (pattern.length > MAX_TEXT_PATTERN_LENGTH)
    return `must be at most ${MAX_TEXT_PATTERN_LENGTH} characters`;
  try {
    new RegExp(pattern, "u");
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message}`;
  }
  if (!safeRegex(pattern)) {
    return "has nested quantifiers (e.g. (a+)+) that can backtrack catastrophically; simplify it";
  }
  return undefined;
}

/** Compiled patterns, by source: a route table is matched for every inbound message. */
const compiled = new Map<string, RegExp>();
function regexOf(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = new RegExp(pattern, "u");
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex;
}

export function matchesText(pattern: string, text: string): boolean {
  return regexOf(pattern).test(text.slice(0, MAX_MATCHED_TEXT_LENGTH));
}

/**
 * A `*` wildcard match on a whole value (`telegram-*`, `*`), as OpenVesper's patterns: everything else is
 * literal. An absent value matches no pattern, so a condition on a field the subject lacks never holds.
 */
export function matchesGlob(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (pattern === "*" || pattern === value) return true;
  if (!pattern.includes("*")) return false;
  const parts = pattern.split("*");
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!value.startsWith(first)) return false;
  let at = first.length;
  for (const part of parts.slice(1, -1)) {
    const found = value.indexOf(part, at);
    if (found < 0) return false;
    at = found + part.length;
  }
  return value.length - last.length >= at && value.endsWith(last);
}

/** A message (or API call) as the route and access rules see it; absent fields match no condition. */
export interface RuleSubject {
  channel?: string;
  platform?: string;
  chat_id?: string;
  sender_id?: string;
  text?: string;
  /** The API key's name, for runs started over the API. */
  api_key?: string;
  agent_id?: string;
}

/** OpenVesper keys senders as `channel:identity`. */
export function identityOf(subject: RuleSubject): string | undefined {
  return subject.channel !== undefined && subject.sender_id !== undefined
    ? `${subject.channel}:${subject.sender_id}`
    : undefined;
}
