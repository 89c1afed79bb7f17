import { useEffect, useState } from "preact/hooks";
import { streamEvents } from "../sse.js";

interface FeedEvent {
  id: string;
  type: string;
  ts?: string;
  session_id?: string;
  agent_id?: string;
}

/** The gateway's live event stream (/api/events over SSE), newest first, the last 20 kept. */
export function EventFeed() {
  const [events, setEvents] = useState<FeedEvent[]>([]);
  const [state, setState] = useState("connecting…");
  useEffect(() => {
    const controller = new AbortController();
    setState("live");
    streamEvents("/api/events", {
      signal: controller.signal,
      onEvent: (message) => {
        const data = JSON.parse(message.data) as Omit<FeedEvent, "id">;
        setEvents((list) => [{ ...data, id: message.id ?? String(Math.random()) }, ...list].slice(0, 20));
      },
    }).then(
      () => setState("ended"),
      (failure: unknown) => !controller.signal.aborted && setState(`stopped: ${String(failure)}`),
    );
    return () => controller.abort();
  }, []);
  return (
    <section aria-labelledby="feed-title">
      <h2 id="feed-title">
        Live events <span class="muted">({state})</span>
      </h2>
      {events.length === 0 ? <p class="muted">Nothing has happened since this page opened.</p> : null}
      <ol class="event-feed" data-testid="event-feed">
        {events.map((e) => (
          <li key={e.id}>
            <span class="mono">{e.ts ? new Date(e.ts).toLocaleTimeString() : ""}</span>{" "}
            <strong>{e.type}</strong>
            {e.agent_id ? <span class="muted"> · {e.agent_id}</span> : null}
            {e.session_id ? <span class="muted mono"> · {e.session_id.slice(0, 8)}</span> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
