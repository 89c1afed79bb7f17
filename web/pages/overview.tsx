import { api, must } from "../api.js";
import { ErrorText, Loading, PageHeader } from "../components/status.js";
import { useLoad } from "../hooks.js";
import { useWho } from "../session.js";

/** The landing page: the gateway's health and where to go. */
export default function OverviewPage() {
  const who = useWho();
  const health = useLoad(() => must(api.GET("/health")));
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Overview" />
      <ErrorText error={health.error} />
      {health.loading && !health.data ? <Loading what="health" /> : null}
      {health.data ? (
        <dl class="facts" data-testid="health">
          <dt>Status</dt>
          <dd>{health.data.status}</dd>
          <dt>Version</dt>
          <dd>{health.data.version}</dd>
          <dt>Up for</dt>
          <dd>{Math.round(health.data.uptime)} s</dd>
          <dt>Your role</dt>
          <dd>
            {who.role}
            {who.key_name ? ` (key ${who.key_name})` : ""}
          </dd>
        </dl>
      ) : null}
      <p>
        The pages on the left watch and drive the gateway; the API itself is documented at{" "}
        <a href="/docs">/docs</a>.
      </p>
    </section>
  );
}
