import { useEffect, useState } from "preact/hooks";

/** The route after `#/`, split: `#/sessions/abc` → ["sessions", "abc"]. Hash routes never shadow an API path. */
export function currentRoute(): string[] {
  const hash = location.hash.replace(/^#\/?/, "");
  const path = hash.split("?")[0] ?? "";
  return path.split("/").filter(Boolean).map(decodeURIComponent);
}

export function useRoute(): string[] {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return route;
}

/** A link target for a route: `href("sessions", id)` → `#/sessions/<id>`. */
export function href(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join("/")}`;
}

export function navigate(...parts: string[]): void {
  location.hash = href(...parts).slice(1);
}
