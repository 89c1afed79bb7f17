import { useState } from "preact/hooks";
import { ErrorText } from "./components/status.js";

/** Asks for an API key (the gateway has keys configured); it is kept for this tab's session only. */
export function Login({ error, onKey }: { error: string | undefined; onKey: (key: string) => void }) {
  const [key, setKey] = useState("");
  return (
    <main class="centered">
      <form
        class="card login"
        onSubmit={(event) => {
          event.preventDefault();
          if (key.trim()) onKey(key.trim());
        }}
      >
        <h1>Viben Gateway</h1>
        <p>This gateway needs an API key. Your role decides what the dashboard offers.</p>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
        />
        <ErrorText error={error} />
        <button type="submit">Log in</button>
      </form>
    </main>
  );
}
