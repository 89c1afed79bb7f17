import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiFailure, api, apiKey, must, onUnauthorized, setApiKey } from "./api.js";
import { ErrorText, Loading } from "./components/status.js";
import { Login } from "./login.js";
import { PAGES, type PageEntry, type PageProps } from "./pages/index.js";
import { href, useRoute } from "./router.js";
import { allows, type Who, WhoContext } from "./session.js";

/**
 * The dashboard's frame: who the caller is (a login form when the gateway wants a key), the navigation
 * of the pages the caller's role may use, and the page the hash route names.
 */
export function App() {
  const [who, setWho] = useState<Who>();
  const [needsLogin, setNeedsLogin] = useState(false);
  const [error, setError] = useState<string>();

  const identify = async () => {
    try {
      setWho(await must(api.GET("/api/whoami")));
      setNeedsLogin(false);
      setError(undefined);
    } catch (failure) {
      if (failure instanceof ApiFailure && failure.status === 401) {
        if (apiKey()) setError("That key was refused: check it and try again.");
        setApiKey(undefined);
        setNeedsLogin(true);
      } else setError(failure instanceof Error ? failure.message : String(failure));
    }
  };

  useEffect(() => {
    void identify();
    return onUnauthorized(() => {
      setWho(undefined);
      setNeedsLogin(true);
    });
  }, []);

  if (needsLogin) {
    return (
      <Login
        error={error}
        onKey={(key) => {
          setApiKey(key);
          void identify();
        }}
      />
    );
  }
  if (!who) {
    return (
      <main class="centered">
        <ErrorText error={error} />
        {error ? null : <Loading what="the gateway" />}
      </main>
    );
  }
  return (
    <WhoContext.Provider value={who}>
      <Shell
        who={who}
        onLogout={() => {
          setApiKey(undefined);
          setWho(undefined);
          setNeedsLogin(true);
        }}
      />
    </WhoContext.Provider>
  );
}

function Shell({ who, onLogout }: { who: Who; onLogout: () => void }) {
  const [first = "overview", ...rest] = useRoute();
  const pages = PAGES.filter((p) => allows(who, p.role));
  const page = pages.find((p) => p.id === first);
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href("overview")}>
          Viben Gateway
        </a>
        <span class="who" data-testid="who">
          {who.role}
          {who.key_name ? ` · ${who.key_name}` : ""}
        </span>
        {who.keys_required ? (
          <button type="button" class="link" onClick={onLogout}>
            Log out
          </button>
        ) : null}
      </header>
      <nav class="sidebar" aria-label="Pages">
        <ul>
          {pages.map((p) => (
            <li key={p.id}>
              <a href={href(p.id)} aria-current={p === page ? "page" : undefined}>
                {p.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" class="content" tabIndex={-1}>
        {page ? (
          <LazyPage key={page.id} entry={page} route={rest} />
        ) : (
          <p role="alert">
            No page “{first}” here{PAGES.some((p) => p.id === first) ? " for your role" : ""}.{" "}
            <a href={href("overview")}>Back to the overview</a>
          </p>
        )}
      </main>
    </div>
  );
}

/** A page's module, loaded when first opened. */
function LazyPage({ entry, route }: { entry: PageEntry; route: string[] }) {
  const [Page, setPage] = useState<ComponentType<PageProps>>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    entry.load().then(
      (module) => setPage(() => module.default),
      (failure: unknown) => setError(`the ${entry.title} page did not load: ${String(failure)}`),
    );
  }, [entry]);
  useEffect(() => {
    document.title = `${entry.title} · Viben Gateway`;
  }, [entry]);
  if (error) return <ErrorText error={error} />;
  return Page ? <Page route={route} /> : <Loading what={entry.title} />;
}
