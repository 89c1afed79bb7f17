/** Where a run lives when several gateway instances share one Redis (runtime/redis/run-owners.ts). */
export interface RunOwners {
  /** The base URL of the live instance that started the run; undefined for this instance's or unknown runs. */
  urlOf(runId: string): Promise<string | undefined>;
}

/** Where a terminal lives when several gateway instances share one Redis (runtime/redis/terminal-owners.ts). */
export interface TerminalOwners {
  /** The live instance (not this one) that holds the terminal, with its base URL; undefined otherwise. */
  whereIs(terminalId: string): Promise<{ instanceId: string; url: string } | undefined>;
}
