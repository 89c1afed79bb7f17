import { costCents, type ModelPricing } from "../../storage/provider-types.js";
import type { AgentOutput } from "../executors/adapter.js";
import type { CallTokens } from "./model-call.js";

/** A run's token and cost totals over its provider calls. */
export class RunUsage {
  private readonly tokens: CallTokens = { input: 0, output: 0, cache_read: 0, cache_write: 0 };
  private cents = 0;

  constructor(private readonly pricing: ModelPricing | undefined) {}

  /** Adds one call and returns its cost in cents. */
  add(call: CallTokens): number {
    const cents = costCents(this.pricing, call);
    this.tokens.input += call.input;
    this.tokens.output += call.output;
    this.tokens.cache_read += call.cache_read;
    this.tokens.cache_write += call.cache_write;
    this.cents = Math.round((this.cents + cents) * 10_000) / 10_000;
    return cents;
  }

  /**
   * The run's totals as a `usage` output. The cost goes along (as costUsd, the unit CLIs report) so the
   * run's `cost_cents` is the sum of the ledger's per-call rows, priced the same way.
   */
  toOutput(): Extract<AgentOutput, { kind: "usage" }> {
    return {
      kind: "usage",
      input: this.tokens.input,
      output: this.tokens.output,
      cacheRead: this.tokens.cache_read,
      cacheWrite: this.tokens.cache_write,
      costUsd: this.cents / 100,
    };
  }
}
