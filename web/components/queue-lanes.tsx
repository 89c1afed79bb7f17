import { api, must } from "../api.js";
import { useLoad } from "../hooks.js";
import { ErrorText, Loading } from "./status.js";

/** The run queue by lane (running / limit, queued) and the jobs waiting or running now. */
export function QueueLanes() {
  const queue = useLoad(async () => {
    const [lanes, running, queued] = await Promise.all([
      must(api.GET("/api/queue/lanes")),
      must(api.GET("/api/queue", { params: { query: { status: "running", limit: 50 } } })),
      must(api.GET("/api/queue", { params: { query: { status: "queued", limit: 50 } } })),
    ]);
    return { lanes, jobs: [...running.jobs, ...queued.jobs] };
  });
  const lanes = queue.data?.lanes;
  const rows = lanes
    ? [
        { lane: "All agents", ...lanes.global },
        ...lanes.agents.map((a) => ({ lane: `Agent ${a.agent_id}`, ...a })),
        ...lanes.workspaces.map((w) => ({ lane: `Workspace ${w.workspace_path}`, ...w })),
      ]
    : [];
  return (
    <section aria-labelledby="queue-title" class="stack">
      <div class="row">
        <h2 id="queue-title">Queue</h2>
        <button type="button" class="secondary" onClick={queue.reload}>
          Refresh
        </button>
      </div>
      <ErrorText error={queue.error} />
      {queue.loading && !queue.data ? <Loading what="the queue" /> : null}
      {lanes ? (
        <table data-testid="queue-lanes">
          <caption class="sr-only">Queue lanes</caption>
          <thead>
            <tr>
              <th scope="col">Lane</th>
              <th scope="col">Running</th>
              <th scope="col">Limit</th>
              <th scope="col">Queued</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.lane}>
                <td>{r.lane}</td>
                <td>{r.running}</td>
                <td>{r.limit}</td>
                <td>{r.queued}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {queue.data && queue.data.jobs.length > 0 ? (
        <ul>
          {queue.data.jobs.map((job) => (
            <li key={job.id}>
              <strong>{job.status}</strong> · {job.agent_id} · {job.source} ·{" "}
              <span class="mono">{job.id.slice(0, 8)}</span>
            </li>
          ))}
        </ul>
      ) : queue.data ? (
        <p class="muted">Nothing waiting or running.</p>
      ) : null}
    </section>
  );
}
