import type { AgentOutput } from "../executors/adapter.js";

/**
 * A run's output, held until the run has been announced and then passed on in order: a process may
 * print before its start is on record (its new session is stored while it starts), and run_started must
 * stay the run's first event.
 */
export class HeldOutput {
  private held: AgentOutput[] | undefined = [];

  constructor(private readonly deliver: (output: AgentOutput) => void) {}

  push(output: AgentOutput): void {
    if (this.held) this.held.push(output);
    else this.deliver(output);
  }

  /** Passes on what was held, and from now on everything as it comes. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const output of held) this.deliver(output);
  }
}
