import type { ComponentType } from "preact";
import type { Role } from "../session.js";
import type { PageProps } from "./page.js";

export type { PageProps } from "./page.js";

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
  { id: "agents", title: "Agents", role: "viewer", load: () => import("./agents.js") },
  { id: "chat", title: "Chat", role: "viewer", load: () => import("./chat.js") },
  { id: "sessions", title: "Sessions", role: "viewer", load: () => import("./sessions.js") },
  { id: "automation", title: "Automation", role: "viewer", load: () => import("./automation.js") },
  { id: "costs", title: "Cost and health", role: "viewer", load: () => import("./costs.js") },
  { id: "settings", title: "Settings", role: "viewer", load: () => import("./settings.js") },
  { id: "terminals", title: "Terminals", role: "operator", load: () => import("./terminals.js") },
];
