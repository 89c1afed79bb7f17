import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, must } from "../api.js";
import { useLoad } from "../hooks.js";
import { ErrorText, Loading } from "./status.js";

/** A time as wall time in a timezone: `Wed, 3 Dec 2026, 09:30` (the job's zone, not the browser's). */
export function wallTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(iso));
}

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Cron jobs: create with a preview of the next runs, pause/resume, run now, run history. */
export function CronJobs({ canEdit }: { canEdit: boolean }) {
  const jobs = useLoad(() => must(api.GET("/api/cron")));
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState<string>();
  const act = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
      jobs.reload();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  const list = jobs.data?.jobs ?? [];
  return (
    <section aria-labelledby="cron-title" class="stack">
      <h2 id="cron-title">Cron jobs</h2>
      <ErrorText error={jobs.error ?? error} />
      {jobs.loading && !jobs.data ? <Loading what="cron jobs" /> : null}
      {jobs.data && list.length === 0 ? <p class="muted">No cron jobs yet.</p> : null}
      {list.length > 0 ? (
        <table>
          <caption class="sr-only">Cron jobs</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Schedule</th>
              <th scope="col">Agent</th>
              <th scope="col">State</th>
              <th scope="col">Next run (job's timezone)</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.map((job) => (
              <Fragment key={job.id}>
                <tr data-cron={job.id}>
                  <td>{job.name}</td>
                  <td class="mono">
                    {job.schedule} <span class="muted">{job.timezone}</span>
                  </td>
                  <td>{job.agent_id}</td>
                  <td>{job.enabled ? "active" : "paused"}</td>
                  <td>{job.next_runs[0] ? wallTime(job.next_runs[0], job.timezone) : "—"}</td>
                  <td class="row">
                    {canEdit ? (
                      <button
                        type="button"
                        class="secondary"
                        onClick={() =>
                          act(() =>
                            job.enabled
                              ? must(api.POST("/api/cron/{id}/pause", { params: { path: { id: job.id } } }))
                              : must(api.POST("/api/cron/{id}/resume", { params: { path: { id: job.id } } })),
                          )
                        }
                      >
                        {job.enabled ? "Pause" : "Resume"}
                      </button>
                    ) : null}
                    {canEdit ? (
                      <button
                        type="button"
                        class="secondary"
                        onClick={() =>
                          act(() =>
                            must(api.POST("/api/cron/{id}/run", { params: { path: { id: job.id } } })),
                          )
                        }
                      >
                        Run now
                      </button>
                    ) : null}
                    <button
                      type="button"
                      class="link"
                      aria-expanded={open === job.id}
                      onClick={() => setOpen(open === job.id ? undefined : job.id)}
                    >
                      History
                    </button>
                  </td>
                </tr>
                {open === job.id ? (
                  <tr>
                    <td colSpan={6}>
                      <CronRuns id={job.id} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      ) : null}
      {canEdit ? <NewCronJob onCreated={jobs.reload} /> : null}
    </section>
  );
}

function CronRuns({ id }: { id: string }) {
  const runs = useLoad(
    () => must(api.GET("/api/cron/{id}/runs", { params: { path: { id }, query: { limit: 20 } } })),
    [id],
  );
  if (runs.error) return <ErrorText error={runs.error} />;
  if (!runs.data) return <Loading what="runs" />;
  if (runs.data.runs.length === 0) return <p class="muted">No runs yet.</p>;
  return (
    <ul data-testid="cron-runs">
      {runs.data.runs.map((run) => (
        <li key={run.id}>
          {new Date(run.scheduled_for).toLocaleString()} · {run.trigger} · <strong>{run.status}</strong>
          {run.error ? <span class="error"> {run.error}</span> : null}
        </li>
      ))}
    </ul>
  );
}

function NewCronJob({ onCreated }: { onCreated: () => void }) {
  const agents = useLoad(() => must(api.GET("/api/agent")));
  const [name, setName] = useState("");
  const [agent, setAgent] = useState("");
  const [prompt, setPrompt] = useState("");
  const [schedule, setSchedule] = useState("0 9 * * 1-5");
  const [timezone, setTimezone] = useState(browserZone);
  const [preview, setPreview] = useState<{ next_runs: string[]; timezone: string }>();
  const [previewError, setPreviewError] = useState<string>();
  const [error, setError] = useState<string>();

  // The next runs as the gateway computes them, while the schedule is typed (a short pause first).
  // An answer that arrives after the input changed again is dropped: it describes the old input.
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      if (!schedule.trim()) return;
      must(
        api.POST("/api/cron/preview", { body: { schedule, timezone: timezone || undefined, count: 5 } }),
      ).then(
        (answer) => {
          if (!current) return;
          setPreview(answer);
          setPreviewError(undefined);
        },
        (failure: unknown) => {
          if (!current) return;
          setPreview(undefined);
          setPreviewError(failure instanceof Error ? failure.message : String(failure));
        },
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [schedule, timezone]);

  const agentList = (agents.data?.agents ?? []).flatMap((a) => (a ? [a] : []));
  return (
    <form
      class="card stack"
      aria-labelledby="new-cron-title"
      onSubmit={async (event) => {
        event.preventDefault();
        setError(undefined);
        try {
          await must(
            api.POST("/api/cron", {
              body: { name, agent_id: agent, prompt, schedule, ...(timezone ? { timezone } : {}) },
            }),
          );
          setName("");
          setPrompt("");
          onCreated();
        } catch (failure) {
          setError(failure instanceof Error ? failure.message : String(failure));
        }
      }}
    >
      <h3 id="new-cron-title">New cron job</h3>
      <div class="field">
        <label for="cron-name">Name</label>
        <input id="cron-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="cron-agent">Agent</label>
        <select id="cron-agent" required value={agent} onChange={(e) => setAgent(e.currentTarget.value)}>
          <option value="">Choose an agent</option>
          {agentList.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name} ({a.id})
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="cron-prompt">Message</label>
        <textarea
          id="cron-prompt"
          required
          value={prompt}
          onInput={(e) => setPrompt(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="cron-schedule">Schedule</label>
        <input
          id="cron-schedule"
          class="mono"
          aria-describedby="cron-schedule-hint"
          value={schedule}
          onInput={(e) => setSchedule(e.currentTarget.value)}
        />
        <small id="cron-schedule-hint" class="muted">
          A cron expression (minute hour day month weekday), “every 15m”, or “at 2026-12-24T18:00”.
        </small>
      </div>
      <div class="field">
        <label for="cron-timezone">Timezone</label>
        <input id="cron-timezone" value={timezone} onInput={(e) => setTimezone(e.currentTarget.value)} />
      </div>
      <div aria-live="polite">
        {previewError ? <p class="error">{previewError}</p> : null}
        {preview ? (
          <>
            <p class="muted">Next runs ({preview.timezone}):</p>
            <ol data-testid="cron-preview">
              {preview.next_runs.map((t) => (
                <li key={t}>{wallTime(t, preview.timezone)}</li>
              ))}
            </ol>
          </>
        ) : null}
      </div>
      <ErrorText error={error} />
      <div class="row">
        <button type="submit">Create cron job</button>
      </div>
    </form>
  );
}
