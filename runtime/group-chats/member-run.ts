import type { EventBus } from "../../handlers/capabilities/events.js";
import type { GroupChatFrame } from "../../handlers/capabilities/group-chats.js";
import type { RunHandle, RunOutcome, RunRequest, RunService } from "../../handlers/capabilities/runs.js";

/** The run events that end a run's stream on the bus. */
const LAST_EVENTS = new Set(["run_complete", "run_error"]);

/**
 * Runs one member (or the coordinator) as an ordinary run and forwards its bus events as frames tagged
 * with the member. The gateway session id is chosen here, so the subscription exists before the run
 * publishes anything (its `run_started` included).
 */
export async function runMember(options: {
  runs: RunService;
  events?: EventBus;
  request: Omit<RunRequest, "sessionId"> & { sessionId: string };
  tags: Record<string, unknown>;
  emit: (frame: GroupChatFrame) => void;
  /** Called once the process runs (the caller keeps the session id to stop it). */
  onStart?: (handle: RunHandle) => void;
}): Promise<RunOutcome> {
  const { runs, events, request, tags, emit } = options;
  const subscription = events?.subscribe({ session_id: request.sessionId }, { maxQueue: 10_000 });
  const pumped = (async () => {
    if (!subscription) return;
    for (;;) {
      const event = await subscription.next();
      if (!event) return;
      emit({ ...event, ...tags });
      if (LAST_EVENTS.has(event.type)) return;
    }
  })();
  try {
    const handle = await runs.start(request);
    options.onStart?.(handle);
    const outcome = await handle.done;
    // The last events are published before `done` resolves; let the pump hand them on, then end it.
    await Promise.race([pumped, new Promise((resolve) => setImmediate(resolve))]);
    return outcome;
  } finally {
    subscription?.close();
    await pumped;
  }
}
