import { notFound, notSupported } from "../../storage/errors.js";
import type { InteractiveRun, InteractiveRunEvent, RunService } from "../capabilities/runs.js";
import type { Services } from "../context.js";
import { requireCapability } from "../lib/capability-guard.js";

/** The run service, when it can start interactive runs (501 elsewhere). */
export function requireInteractiveRuns(
  services: Services,
): RunService & Required<Pick<RunService, "startInteractive" | "findInteractive">> {
  const runs = requireCapability(services, "runs");
  if (!runs.startInteractive || !runs.findInteractive) {
    throw notSupported("interactive runs are not available in this runtime");
  }
  return runs as RunService & Required<Pick<RunService, "startInteractive" | "findInteractive">>;
}

/** The live interactive run of a session, or 404. */
export function findInteractiveRun(services: Services, sessionId: string): InteractiveRun {
  const run = requireInteractiveRuns(services).findInteractive(sessionId);
  if (!run) {
    throw notFound("RUN_NOT_FOUND", `session '${sessionId}' has no interactive run in progress`, {
      session_id: sessionId,
    });
  }
  return run;
}

/**
 * Buffers a run's events for a consumer that reads at its own pace (an SSE stream): events are taken in
 * order, and `next()` resolves null after the run's `end` event has been taken.
 */
export class RunEventQueue {
  private readonly items: InteractiveRunEvent[] = [];
  private waiter: (() => void) | undefined;
  private finished = false;

  push = (event: InteractiveRunEvent): void => {
    // Once the consumer has gone, the run's later events are not kept.
    if (this.finished) return;
    this.items.push(event);
    this.waiter?.();
  };

  async next(): Promise<InteractiveRunEvent | null> {
    while (this.items.length === 0) {
      if (this.finished) return null;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      this.waiter = undefined;
    }
    const event = this.items.shift()!;
    if (event.type === "end") this.finished = true;
    return event;
  }

  /** Stops waiting (the consumer went away). */
  close(): void {
    this.finished = true;
    this.waiter?.();
  }
}
