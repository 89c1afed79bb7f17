import { useState } from "preact/hooks";
import { api, must } from "../api.js";
import { SchemaForm } from "../components/schema-form.js";
import { ErrorText, Loading, PageHeader } from "../components/status.js";
import { useLoad } from "../hooks.js";
import { href, navigate } from "../router.js";
import { requestBodySchema } from "../schema.js";
import { allows, useWho } from "../session.js";
import type { PageProps } from "./page.js";

/** The agents of the global scope (and a workspace's): `#/agents`, `#/agents/new`, `#/agents/<id>`. */
export default function AgentsPage({ route }: PageProps) {
  const [id] = route;
  if (id === "new") return <AgentEditor />;
  if (id) return <AgentEditor id={id} />;
  return <AgentList />;
}

function AgentList() {
  const who = useWho();
  const [workspace, setWorkspace] = useState("");
  const [applied, setApplied] = useState("");
  const [error, setError] = useState<string>();
  const query = applied ? { workspace_path: applied } : {};
  const agents = useLoad(() => must(api.GET("/api/agent", { params: { query } })), [applied]);
  const preferred = useLoad(() => must(api.GET("/api/agent/default", { params: { query } })), [applied]);
  const canEdit = allows(who, "operator");
  const act = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
      agents.reload();
      preferred.reload();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  const list = (agents.data?.agents ?? []).flatMap((a) => (a ? [a] : []));
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Agents">
        {canEdit ? (
          <a class="button" href={href("agents", "new")}>
            New agent
          </a>
        ) : null}
      </PageHeader>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(workspace.trim());
        }}
      >
        <label for="agents-workspace">Workspace</label>
        <input
          id="agents-workspace"
          placeholder="/path/to/project (its agents too)"
          value={workspace}
          onInput={(e) => setWorkspace(e.currentTarget.value)}
        />
        <button type="submit" class="secondary">
          Show
        </button>
      </form>
      <ErrorText error={agents.error ?? error} />
      {agents.loading && !agents.data ? <Loading what="agents" /> : null}
      {agents.data ? (
        list.length === 0 ? (
          <p class="muted">No agents yet.{canEdit ? " Create one with “New agent”." : ""}</p>
        ) : (
          <table>
            <caption class="sr-only">Agents</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">ID</th>
                <th scope="col">Executor</th>
                <th scope="col">Scope</th>
                <th scope="col">Available</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.map((agent) => (
                <tr key={agent.id} data-agent={agent.id}>
                  <td>
                    <a href={href("agents", agent.id)}>{agent.name}</a>
                    {preferred.data?.agent_id === agent.id ? <span class="badge">default</span> : null}
                  </td>
                  <td class="mono">{agent.id}</td>
                  <td>{agent.executor_type ?? "native"}</td>
                  <td>{agent.source}</td>
                  <td class={agent.is_available ? "ok" : "muted"}>{agent.is_available ? "yes" : "no"}</td>
                  <td class="row">
                    <a href={href("chat", "new", agent.id)}>Chat</a>
                    {canEdit && preferred.data?.agent_id !== agent.id ? (
                      <button
                        type="button"
                        class="secondary"
                        onClick={() =>
                          act(() =>
                            must(api.PUT("/api/agent/default", { body: { agent_id: agent.id, ...query } })),
                          )
                        }
                      >
                        Make default
                      </button>
                    ) : null}
                    {canEdit ? (
                      <button
                        type="button"
                        class="danger"
                        aria-label={`Delete ${agent.name}`}
                        onClick={() =>
                          confirm(`Delete the agent ${agent.name}?`) &&
                          act(() =>
                            must(
                              api.DELETE("/api/agent/{id}", { params: { path: { id: agent.id }, query } }),
                            ),
                          )
                        }
                      >
                        Delete
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </section>
  );
}

const PRIMARY = [
  "name",
  "id",
  "from_template",
  "executor_type",
  "model",
  "permission_mode",
  "append_prompt",
  "description",
];

/** Create (no id) or edit an agent, with the form generated from the API's own body schema. */
function AgentEditor({ id }: { id?: string }) {
  const who = useWho();
  const form = useLoad(async () => {
    const [schema, executors, templates, agent] = await Promise.all([
      requestBodySchema(id ? "patch" : "post", id ? "/api/agent/{id}" : "/api/agent"),
      must(api.GET("/api/executors")),
      id ? undefined : must(api.GET("/api/agent/templates")),
      id ? must(api.GET("/api/agent/{id}", { params: { path: { id } } })) : undefined,
    ]);
    return { schema, executors, templates, agent };
  }, [id]);
  const title = id ? `Agent ${id}` : "New agent";
  return (
    <section aria-labelledby="page-title">
      <PageHeader title={title}>
        <a href={href("agents")}>Back to agents</a>
      </PageHeader>
      <ErrorText error={form.error} />
      {form.loading && !form.data ? <Loading what="the form" /> : null}
      {form.data && !allows(who, "operator") ? (
        <p class="muted">Your role can read agents, not change them.</p>
      ) : null}
      {form.data && allows(who, "operator") ? (
        <SchemaForm
          schema={form.data.schema}
          initial={form.data.agent as Record<string, unknown> | undefined}
          primary={PRIMARY}
          hidden={["provider_id", "base_path"]}
          choices={{
            executor_type: form.data.executors.executors.map((e) => e.id),
            ...(form.data.templates ? { from_template: form.data.templates.templates.map((t) => t.id) } : {}),
          }}
          submitLabel={id ? "Save" : "Create agent"}
          onSubmit={async (values) => {
            if (id) {
              await must(api.PATCH("/api/agent/{id}", { params: { path: { id } }, body: values as never }));
              navigate("agents");
            } else {
              await must(api.POST("/api/agent", { body: values as never }));
              navigate("agents");
            }
          }}
        />
      ) : null}
    </section>
  );
}
