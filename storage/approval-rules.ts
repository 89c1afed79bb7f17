import type { DocumentStore } from "./documents.js";
import { type Indexed, newRuleId, RuleList } from "./rule-list.js";
import { matchesGlob, matchesText, textPatternProblem } from "./rules/channel-match.js";
import { z } from "./zod.js";

export const APPROVAL_RULES_FILE = "approval-rules.yaml";

const glob = z.string().min(1, "must not be empty").max(256);

/**
 * One approval rule (first match wins): every condition given must hold — `tool` (`*` wildcards, as
 * OpenVesper's `toolPattern`), `input_pattern` (a regular expression over the tool's input, see
 * `approvalInputText`), `agent_id` and `workspace_path` (`*` wildcards, the latter over the run's working
 * directory) — and `decision` says what happens: `allow` or `deny` at once, or `ask` (OpenVesper's
 * `prompt`: a person decides, whatever later rules say).
 */
export const ApprovalRuleSchema = z
  .object({
    tool: glob,
    input_pattern: z
      .string()
      .superRefine((value, ctx) => {
        const problem = textPatternProblem(value);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .optional(),
    agent_id: glob.optional(),
    workspace_path: glob.optional(),
    decision: z.enum(["allow", "deny", "ask"]),
    reason: z.string().max(2000).optional(),
    label: z.string().max(200).optional(),
    created_at: z.string().optional(),
  })
  .loose();

export type ApprovalRule = Indexed<z.output<typeof ApprovalRuleSchema>>;
export type NewApprovalRule = z.output<typeof ApprovalRuleSchema>;

/** A tool call as the rules see it. */
export interface ApprovalSubject {
  tool: string;
  input: unknown;
  agent_id?: string;
  /** The run's working directory. */
  workdir?: string;
}

/**
 * The text an `input_pattern` is matched against: a shell tool's command line as written (so `^git
 * status` means what it says), any other input as compact JSON.
 */
export function approvalInputText(input: unknown): string {
  if (typeof input === "string") return input;
  if (typeof input === "object" && input !== null) {
    const command = (input as { command?: unknown }).command;
    if (typeof command === "string") return command;
  }
  return JSON.stringify(input ?? null) ?? "";
}

/** The first rule whose conditions all hold, or null. */
export function matchApprovalRule(rules: ApprovalRule[], subject: ApprovalSubject): ApprovalRule | null {
  const text = approvalInputText(subject.input);
  for (const rule of rules) {
    if (!matchesGlob(rule.tool, subject.tool)) continue;
    if (rule.agent_id !== undefined && !matchesGlob(rule.agent_id, subject.agent_id)) continue;
    if (rule.workspace_path !== undefined && !matchesGlob(rule.workspace_path, subject.workdir)) continue;
    if (rule.input_pattern !== undefined && !matchesText(rule.input_pattern, text)) continue;
    return rule;
  }
  return null;
}

/** `~/.viben/approval-rules.yaml` (`rules:`), in order; edits keep what a user wrote by hand. */
export class ApprovalRuleRepository {
  private readonly rules: RuleList<typeof ApprovalRuleSchema>;

  constructor(
    store: DocumentStore,
    private readonly now: () => Date,
  ) {
    this.rules = new RuleList(store, APPROVAL_RULES_FILE, "rules", ApprovalRuleSchema, "approval rule");
  }

  list(): Promise<ApprovalRule[]> {
    return this.rules.list();
  }

  add(rule: NewApprovalRule, position?: number): Promise<ApprovalRule> {
    return this.rules.insert(
      { id: newRuleId("approval"), ...rule, created_at: this.now().toISOString() },
      position,
    );
  }

  removeAt(index: number): Promise<ApprovalRule | null> {
    return this.rules.removeAt(index);
  }

  removeById(id: string): Promise<ApprovalRule> {
    return this.rules.removeById(id);
  }

  async match(subject: ApprovalSubject): Promise<ApprovalRule | null> {
    return matchApprovalRule(await this.list(), subject);
  }
}
