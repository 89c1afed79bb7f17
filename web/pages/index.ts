import type { ComponentType } from "preact";
import type { Role } from "../session.js";

export interface PageProps {
  /** The route after the page's own name: `#/sessions/abc` gives the sessions page ["abc"]. */
  route: string[];
}

export interface PageEntry {
  /** The first route segment (`#/agents`). */
  id: string;
  title: string;
  /** The least role that may open it: the navigation hides pages the caller's role cannot use. */
  role: Role;
  /** Loaded when first opened (its own chunk). */
  load: () => Promise<{ default: ComponentType<PageProps> }>;
}

/** Every page of the dashboard in navigation order; one file per page under web/pages/. */
export const PAGES: PageEntry[] = [
  { id: "overview", title: "Overview", role: "viewer", load: () => import("./overview.js") },
];
