import type { EventBus, EventSubscription, GatewayEvent } from "../../handlers/capabilities/events.js";

/** Ryvos's guardian defaults (crates/ryvos-core/src/config.rs GuardianConfig). */
export const GUARDIAN_DEFAULTS = {
  /** The same tool with the same input this many times in a row is a loop. */
  doomLoopThreshold: 3,
  /** A live run with no event for this long has stalled (approvals being waited on excepted). */
  stallTimeoutMs: 120_000,
  /** Share of the agent's turn budget (`max_turns`) at which the run is told to wrap up. */
  turnWarnPct: 80,
} as const;

export type GuardianSettings = { -readonly [K in keyof typeof GUARDIAN_DEFAULTS]: number };

export type GuardianHintKind = "doom_loop" | "stall" | "budget";

/** Ryvos compares the first 300 characters of the input with its keys sorted and whitespace dropped. */
const FINGERPRINT_LENGTH = 300;
/** Hints kept for a run until its next turn takes them (executor runs never do: only the newest few stay). */
const MAX_QUEUED_HINTS = 10;

interface RunWatch {
  sessionId?: string;
  agentId?: string;
  recent: string[];
  stall?: NodeJS.Timeout;
  stalled: boolean;
  /** Approvals this run waits on: a run waiting for a person has not stalled. */
  waitingApprovals: number;
  turns: number;
  maxTurns?: number;
  turnWarned: boolean;
  hints: string[];
}

/**
 * The guardian watches every live run on the event bus and publishes `guardian_hint` when a run repeats
 * the same tool call, stalls (no event for a while), or nears its budget (its turn limit, or a spend
 * budget's `budget_warning`). Native runs also get the hint as a user message before their next model
 * call (`takeHints`); executor CLIs take no input mid-turn, so for them the hint is the event.
 */
export class Guardian {
  private readonly runs = new Map<string, RunWatch>();
  private subscription: EventSubscription | undefined;
  private closed = false;
  private readonly settings: GuardianSettings;

  constructor(
    private readonly events: EventBus,
    settings: Partial<GuardianSettings> = {},
  ) {
    this.settings = { ...GUARDIAN_DEFAULTS, ...settings };
  }

  /** Subscribes before any run can start. */
  start(): void {
    this.subscription = this.events.subscribe({}, { maxQueue: 10_000 });
    void this.consume(this.subscription);
  }

  stop(): void {
    this.closed = true;
    this.subscription?.close("gateway shutting down");
    for (const watch of this.runs.values()) clearTimeout(watch.stall);
    this.runs.clear();
  }

  /** What the run manager knows at start that events do not carry: the agent's turn budget. */
  track(runId: string, limits: { maxTurns?: number }): void {
    this.watch(runId).maxTurns = limits.maxTurns;
  }

  /** Hints published for the run and not yet given to it (a native run's next turn takes them). */
  takeHints(runId: string): string[] {
    const watch = this.runs.get(runId);
    if (!watch || watch.hints.length === 0) return [];
    const hints = watch.hints;
    watch.hints = [];
    return hints;
  }

  /** One event from the bus (public so tests can drive it with a fake clock). */
  observe(event: GatewayEvent): void {
    if (event.type === "budget_warning") {
      this.budgetWarning(event);
      return;
    }
    const runId = event.run_id;
    if (!runId || event.type === "guardian_hint") return;
    if (event.type === "run_complete" || event.type === "run_error") {
      clearTimeout(this.runs.get(runId)?.stall);
      this.runs.delete(runId);
      return;
    }
    const watch = this.watch(runId);
    watch.sessionId ??= event.session_id;
    watch.agentId ??= event.agent_id;
    switch (event.type) {
      case "tool_start":
        this.toolCall(runId, watch, String(event.tool ?? ""), event.input);
        break;
      case "turn_complete":
        this.turnDone(runId, watch);
        break;
      case "approval_requested":
        watch.waitingApprovals += 1;
        break;
      case "approval_resolved":
        if (event.decided_by !== "rule") watch.waitingApprovals = Math.max(0, watch.waitingApprovals - 1);
        break;
    }
    this.progress(runId, watch);
  }

  private watch(runId: string): RunWatch {
    let watch = this.runs.get(runId);
    if (!watch) {
      watch = { recent: [], stalled: false, waitingApprovals: 0, turns: 0, turnWarned: false, hints: [] };
      this.runs.set(runId, watch);
    }
    return watch;
  }

  private toolCall(runId: string, watch: RunWatch, tool: string, input: unknown): void {
    const threshold = this.settings.doomLoopThreshold;
    watch.recent.push(`${tool}\u0000${fingerprint(input)}`);
    if (watch.recent.length > threshold) watch.recent.shift();
    if (watch.recent.length < threshold || !watch.recent.every((call) => call === watch.recent[0])) return;
    watch.recent = [];
    this.hint(
      runId,
      watch,
      "doom_loop",
      `[Guardian] You have called '${tool}' ${threshold} times with identical input. This looks like a loop: stop repeating this call and try a different approach.`,
      { tool, count: threshold },
    );
  }

  private turnDone(runId: string, watch: RunWatch): void {
    watch.turns += 1;
    const max = watch.maxTurns;
    if (!max || watch.turnWarned || watch.turns * 100 < max * this.settings.turnWarnPct) return;
    watch.turnWarned = true;
    this.hint(
      runId,
      watch,
      "budget",
      `[Guardian] Turn budget warning: ${watch.turns}/${max} turns used. Please wrap up your current task efficiently.`,
      { used_turns: watch.turns, max_turns: max },
    );
  }

  /** A spend budget reached its warning threshold: every live run it covers is told. */
  private budgetWarning(event: GatewayEvent): void {
    const spent = Number(event.spent_cents ?? 0);
    const limit = Number(event.limit_cents ?? 0);
    for (const [runId, watch] of this.runs) {
      if (event.agent_id && watch.agentId !== event.agent_id) continue;
      this.hint(
        runId,
        watch,
        "budget",
        `[Guardian] Budget warning: $${(spent / 100).toFixed(2)} of $${(limit / 100).toFixed(2)} spent (${event.period ?? "period"}). Please wrap up your current task efficiently.`,
        { spent_cents: spent, limit_cents: limit },
      );
    }
  }

  /** Any event of the run is progress: the stall clock starts again (unless a person is being waited on). */
  private progress(runId: string, watch: RunWatch): void {
    watch.stalled = false;
    if (watch.waitingApprovals > 0) {
      clearTimeout(watch.stall);
      watch.stall = undefined;
      return;
    }
    if (watch.stall) {
      watch.stall.refresh();
      return;
    }
    watch.stall = setTimeout(() => this.stalled(runId), this.settings.stallTimeoutMs);
    watch.stall.unref();
  }

  private stalled(runId: string): void {
    const watch = this.runs.get(runId);
    if (!watch || watch.stalled || watch.waitingApprovals > 0) return;
    watch.stalled = true;
    const seconds = Math.round(this.settings.stallTimeoutMs / 1000);
    this.hint(
      runId,
      watch,
      "stall",
      `[Guardian] No progress for ${seconds} s. If you are stuck, try a different approach, break the task into smaller steps, or report what blocks you.`,
      { idle_secs: seconds },
    );
  }

  private hint(
    runId: string,
    watch: RunWatch,
    kind: GuardianHintKind,
    message: string,
    details: Record<string, unknown>,
  ): void {
    watch.hints.push(message);
    if (watch.hints.length > MAX_QUEUED_HINTS) watch.hints.shift();
    this.events.publish({
      type: "guardian_hint",
      kind,
      message,
      ...details,
      run_id: runId,
      ...(watch.sessionId ? { session_id: watch.sessionId } : {}),
      ...(watch.agentId ? { agent_id: watch.agentId } : {}),
    });
  }

  private async consume(subscription: EventSubscription): Promise<void> {
    for (;;) {
      const event = await subscription.next();
      if (!event) break;
      this.observe(event);
    }
    // Dropped for falling behind (not closed by us): listen again.
    if (!this.closed) this.start();
  }
}

/** Ryvos's fingerprint: keys sorted at every level, whitespace-free JSON, the first 300 characters. */
export function fingerprint(input: unknown): string {
  return (JSON.stringify(sortKeys(input)) ?? "null").slice(0, FINGERPRINT_LENGTH);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
