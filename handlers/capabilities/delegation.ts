import type { RunOutcome } from "./runs.js";

/*
 * Delegation: one agent hands a sub-task to another and gets its answer back, from an HTTP caller or from
 * inside a run (the gateway's MCP server for executor CLIs, a `delegate` tool for native agents). The
 * runtime implements it over the RunService; every delegated run is an ordinary run (its own session,
 * events, ledger rows and budget checks) that also carries its depth, so chains stop at a limit.
 */

export interface DelegationRequest {
  /** The agent that does the sub-task (an agent id, or an executor id standing for itself). */
  agentId: string;
  task: string;
  /** The conversation the sub-task belongs to (OpenVesper's parentSessionKey); its context is used. */
  parentSessionKey?: string;
  /** The run that delegates (known inside a run); its depth decides this one's. */
  parentRunId?: string;
  /** Where the caller came from (`http`, `mcp`, `native`, a channel name). */
  channel?: string;
  workdir?: string;
  workspacePath?: string;
  /** Prepend the parent session's recent messages to the task. */
  inheritContext?: boolean;
  /** Continue this session of the target agent instead of starting a new one. */
  sessionId?: string;
  /** The gateway.yaml `workdir_roots` in force (the caller reads them). */
  workdirRoots?: string[];
}

export interface DelegationRecord {
  id: string;
  agent_id: string;
  task: string;
  parent_session_key?: string;
  parent_run_id?: string;
  parent_agent_id?: string;
  channel: string;
  depth: number;
  session_id: string;
  run_id: string;
  status: RunOutcome["status"];
  reply: string;
  error?: string;
  tokens: { input: number; output: number };
  cost_cents: number;
  started_at: string;
  duration_ms: number;
}

export interface HandoffRequest {
  sessionId: string;
  agentId: string;
  /** What the new agent is told; without it the session only changes hands. */
  message?: string;
  /** Extra context for the new agent, stored as its context for the session. */
  context?: string;
  workdirRoots?: string[];
}

export interface HandoffResult {
  session_id: string;
  from_agent_id: string;
  agent_id: string;
  /** The new agent's answer when a message was given. */
  run?: { run_id: string; status: RunOutcome["status"]; reply: string; error?: string };
}

export interface DelegationService {
  /** Runs the target agent on the task and waits for its outcome; refusals (depth, budget, unknown agent) throw DomainErrors before anything runs. */
  delegate(request: DelegationRequest): Promise<DelegationRecord>;
  /** Switches the session's answering agent (and runs it on the message when there is one). */
  handoff(request: HandoffRequest): Promise<HandoffResult>;
  /** Recent delegations, newest first. */
  list(limit: number): Promise<DelegationRecord[]>;
  /** The deepest a delegation chain may go (gateway.yaml `delegation.max_depth`, default 3). */
  maxDepth(): Promise<number>;
  /** Answers the gateway's MCP endpoint (streamable HTTP); the bearer token names the run calling it. */
  handleMcp(request: Request): Promise<Response>;
}
