import { useState } from "preact/hooks";
import { api, must } from "../api.js";
import { useLoad } from "../hooks.js";
import { ErrorText, Loading } from "./status.js";

/** API keys (admin): names and roles, create and rotate (the secret is shown once), revoke. */
export function ApiKeys() {
  const keys = useLoad(() => must(api.GET("/api/keys")));
  const [name, setName] = useState("");
  const [role, setRole] = useState<"viewer" | "operator" | "admin">("viewer");
  const [secret, setSecret] = useState<{ name: string; key: string }>();
  const [error, setError] = useState<string>();
  const act = async (action: () => Promise<{ name: string; key: string } | unknown>) => {
    setError(undefined);
    setSecret(undefined);
    try {
      const answer = (await action()) as { name?: string; key?: string };
      if (answer?.key && answer.name) setSecret({ name: answer.name, key: answer.key });
      keys.reload();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  return (
    <section aria-labelledby="keys-title" class="stack">
      <h2 id="keys-title">API keys</h2>
      <ErrorText error={keys.error ?? error} />
      {secret ? (
        <div class="card" role="status" data-testid="new-key">
          <p>
            The key <strong>{secret.name}</strong> (shown this once; the gateway keeps only its hash):
          </p>
          <pre>{secret.key}</pre>
        </div>
      ) : null}
      {keys.loading && !keys.data ? <Loading what="keys" /> : null}
      {keys.data ? (
        <table>
          <caption class="sr-only">API keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Stored as</th>
              <th scope="col">Last used</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {keys.data.keys.map((k) => (
              <tr key={k.name} data-key={k.name}>
                <td>{k.name}</td>
                <td>{k.role}</td>
                <td>{k.storage}</td>
                <td>{k.last_used_at ? new Date(k.last_used_at).toLocaleString() : "never"}</td>
                <td class="row">
                  {k.storage === "hash" ? (
                    <button
                      type="button"
                      class="secondary"
                      onClick={() =>
                        act(() =>
                          must(api.POST("/api/keys/{name}/rotate", { params: { path: { name: k.name } } })),
                        )
                      }
                    >
                      Rotate
                    </button>
                  ) : null}
                  <button
                    type="button"
                    class="danger"
                    onClick={() =>
                      confirm(`Revoke the key ${k.name}?`) &&
                      act(() => must(api.DELETE("/api/keys/{name}", { params: { path: { name: k.name } } })))
                    }
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => must(api.POST("/api/keys", { body: { name: name.trim(), role } }))).then(() =>
            setName(""),
          );
        }}
      >
        <label for="key-name">New key</label>
        <input id="key-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <label for="key-role">Role</label>
        <select
          id="key-role"
          value={role}
          onChange={(e) => setRole(e.currentTarget.value as "viewer" | "operator" | "admin")}
        >
          <option value="viewer">viewer</option>
          <option value="operator">operator</option>
          <option value="admin">admin</option>
        </select>
        <button type="submit">Create key</button>
      </form>
    </section>
  );
}
