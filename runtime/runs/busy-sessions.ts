import type { InteractiveRun, RunHandle, RunRequest } from "../../handlers/capabilities/runs.js";
import { conflict, DomainError } from "../../storage/errors.js";
import type { QueueMode } from "../../storage/session-queue-mode.js";

/** A message waiting for its session's current run to end (GET /sessions/:key/queue lists them). */
export interface PendingMessage {
  message: string;
  source: string;
  enqueuedAt: string;
}

export interface BusySessionDeps {
  /** The current run's end, or undefined when the session is idle. */
  running(sessionId: string): Promise<unknown> | undefined;
  stop(sessionId: string): Promise<boolean>;
  findInteractive(sessionId: string): InteractiveRun | undefined;
  mode(sessionId: string): Promise<QueueMode>;
  launch(request: RunRequest): Promise<RunHandle>;
  now: () => Date;
}

/**
 * What a message to a session that is running does, by the session's queue mode: refuse it (409
 * SESSION_BUSY), run it after the current run (in arrival order), hand it to the current run as a steer
 * message (Claude Code's interactive runs; other runs queue it), or interrupt the current run and start it.
 */
export class BusySessions {
  private readonly waiting = new Map<string, Array<PendingMessage>>();
  // Queued messages start strictly one after another: each waits for the one before it to have started.
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly deps: BusySessionDeps) {}

  pending(sessionId: string): PendingMessage[] {
    return [...(this.waiting.get(sessionId) ?? [])];
  }

  /** Starts the run, applying the session's mode when it is busy (or has messages queued before this one). */
  async start(request: RunRequest): Promise<RunHandle> {
    const sid = request.sessionId;
    const queuedAhead = sid !== undefined && (this.waiting.get(sid)?.length ?? 0) > 0;
    if (sid === undefined || (!this.deps.running(sid) && !queuedAhead)) return this.deps.launch(request);
    const mode = await this.deps.mode(sid);
    if (mode === "reject") throw busy(sid);
    if (mode === "steer") {
      const live = this.deps.findInteractive(sid);
      if (live?.features.steer && this.deps.running(sid)) {
        try {
          live.steer(request.prompt);
          return { runId: live.runId, sessionId: live.sessionId, pid: live.pid, done: live.done };
        } catch (error) {
          // The run is ending (its turns are done): the message runs after it instead.
          if (!(error instanceof DomainError && error.kind === "conflict")) throw error;
        }
      }
    }
    if (mode === "interrupt") {
      await this.deps.stop(sid);
      // Another message may have claimed the session meanwhile: that one wins, this one is refused.
      return this.deps.launch(request);
    }
    return this.enqueue(sid, request);
  }

  private async enqueue(sid: string, request: RunRequest): Promise<RunHandle> {
    const entry: PendingMessage = {
      message: request.prompt,
      source: request.source,
      enqueuedAt: this.deps.now().toISOString(),
    };
    const list = this.waiting.get(sid) ?? [];
    list.push(entry);
    this.waiting.set(sid, list);
    const before = this.tails.get(sid) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = before.then(() => mine);
    this.tails.set(sid, tail);
    try {
      await before;
      for (let done = this.deps.running(sid); done; done = this.deps.running(sid)) {
        await done.catch(() => undefined);
      }
      return await this.deps.launch(request);
    } finally {
      const rest = (this.waiting.get(sid) ?? []).filter((e) => e !== entry);
      if (rest.length > 0) this.waiting.set(sid, rest);
      else this.waiting.delete(sid);
      release();
      if (this.tails.get(sid) === tail) this.tails.delete(sid);
    }
  }
}

export function busy(sessionId: string) {
  return conflict("SESSION_BUSY", `session '${sessionId}' is running; stop it or wait`, {
    session_id: sessionId,
  });
}
