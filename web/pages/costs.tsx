import { api, must } from "../api.js";
import { type Bar, BarChart } from "../components/bar-chart.js";
import { EventFeed } from "../components/event-feed.js";
import { ErrorText, Loading, PageHeader } from "../components/status.js";
import { useLoad } from "../hooks.js";

const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;

type Totals = { tokens: { input: number; output: number }; cost_cents: number; runs: number };

/** `#/costs`: spend per day, agent and model; budgets; request and run figures; executors; live events. */
export default function CostsPage() {
  const data = useLoad(async () => {
    const [telemetry, budget, executors] = await Promise.all([
      must(api.GET("/api/telemetry")),
      must(api.GET("/api/budget")),
      must(api.GET("/api/executors")),
    ]);
    return { telemetry, budget, executors };
  });
  const t = data.data?.telemetry;
  const budget = data.data?.budget;
  const days: Bar[] = t
    ? Object.entries(t.tokens_and_cost.by_day)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([day, totals]) => ({ label: day.slice(5), value: totals.cost_cents }))
    : [];
  const used = budget?.monthly_budget_cents
    ? (budget.spent_month_cents ?? 0) / budget.monthly_budget_cents
    : undefined;
  return (
    <section aria-labelledby="page-title" class="stack">
      <PageHeader title="Cost and health">
        <button type="button" class="secondary" onClick={data.reload}>
          Refresh
        </button>
      </PageHeader>
      <ErrorText error={data.error} />
      {data.loading && !data.data ? <Loading what="figures" /> : null}
      {t && budget ? (
        <>
          <section aria-labelledby="spend-title" class="stack">
            <h2 id="spend-title">Spend</h2>
            <dl class="facts" data-testid="spend-total">
              <dt>This month</dt>
              <dd>{dollars(t.tokens_and_cost.total.cost_cents)}</dd>
              <dt>Tokens</dt>
              <dd>
                {t.tokens_and_cost.total.tokens.input} in · {t.tokens_and_cost.total.tokens.output} out
              </dd>
              <dt>Runs</dt>
              <dd>{t.tokens_and_cost.total.runs}</dd>
            </dl>
            {days.length > 0 ? (
              <BarChart title="Spend per day (US dollars)" bars={days} format={(v) => dollars(v)} />
            ) : (
              <p class="muted">No spend recorded this month.</p>
            )}
            <div class="row top">
              <Breakdown title="By agent" rows={t.tokens_and_cost.by_agent} testId="spend-by-agent" />
              <Breakdown title="By model" rows={t.tokens_and_cost.by_model} testId="spend-by-model" />
            </div>
          </section>
          <section aria-labelledby="budget-title">
            <h2 id="budget-title">Budgets</h2>
            {budget.configured ? (
              <>
                <p>
                  Monthly: {dollars(budget.spent_month_cents ?? 0)} of{" "}
                  {budget.monthly_budget_cents === null ? "no limit" : dollars(budget.monthly_budget_cents)}
                  {budget.daily_budget_cents !== null
                    ? ` · daily limit ${dollars(budget.daily_budget_cents)}`
                    : ""}
                </p>
                {used !== undefined ? (
                  <progress max={1} value={Math.min(used, 1)} aria-label="Monthly budget used" />
                ) : null}
                {used !== undefined && budget.warn_pct !== null && used * 100 >= budget.warn_pct ? (
                  <p class="error" role="alert">
                    Spend has reached {Math.round(used * 100)}% of the monthly budget.
                  </p>
                ) : null}
              </>
            ) : (
              <p class="muted">No budgets set (gateway.yaml `budgets:`).</p>
            )}
          </section>
          <section aria-labelledby="runs-title">
            <h2 id="runs-title">Runs and requests since start</h2>
            <dl class="facts">
              <dt>Runs</dt>
              <dd data-testid="run-count">
                {t.runs.count}{" "}
                {Object.entries(t.runs.by_status)
                  .map(([status, n]) => `${status} ${n}`)
                  .join(" · ")}
              </dd>
              <dt>Run time p50 / p99</dt>
              <dd>
                {Math.round(t.runs.duration_ms.p50)} ms / {Math.round(t.runs.duration_ms.p99)} ms
              </dd>
              <dt>Requests</dt>
              <dd>{Object.values(t.requests).reduce((sum, r) => sum + r.count, 0)}</dd>
            </dl>
          </section>
          <section aria-labelledby="executors-title">
            <h2 id="executors-title">Executors</h2>
            <ul>
              {data.data?.executors.executors.map((e) => (
                <li key={e.id}>
                  <strong>{e.id}</strong>: {e.availability.type.toLowerCase().replaceAll("_", " ")}
                </li>
              ))}
            </ul>
          </section>
        </>
      ) : null}
      <EventFeed />
    </section>
  );
}

function Breakdown({ title, rows, testId }: { title: string; rows: Record<string, Totals>; testId: string }) {
  const entries = Object.entries(rows).sort(([, a], [, b]) => b.cost_cents - a.cost_cents);
  return (
    <table data-testid={testId} class="breakdown">
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Cost</th>
          <th scope="col">Tokens in / out</th>
          <th scope="col">Runs</th>
        </tr>
      </thead>
      <tbody>
        {entries.length === 0 ? (
          <tr>
            <td colSpan={4} class="muted">
              None yet
            </td>
          </tr>
        ) : (
          entries.map(([name, totals]) => (
            <tr key={name}>
              <td>{name}</td>
              <td>{dollars(totals.cost_cents)}</td>
              <td>
                {totals.tokens.input} / {totals.tokens.output}
              </td>
              <td>{totals.runs}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}
