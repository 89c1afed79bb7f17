import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { components } from "../client/index.js";

export type Who = components["schemas"]["Whoami"];
export type Role = Who["role"];

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether the caller's role reaches `needed` (viewer < operator < admin), as the gateway checks it. */
export function allows(who: Who, needed: Role): boolean {
  return RANK[who.role] >= RANK[needed];
}

export const WhoContext = createContext<Who | undefined>(undefined);

/** The logged-in caller (the shell renders pages only once it is known). */
export function useWho(): Who {
  const who = useContext(WhoContext);
  if (!who) throw new Error("useWho outside the dashboard shell");
  return who;
}
