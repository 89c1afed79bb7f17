/** What the shell gives every page. */
export interface PageProps {
  /** The route after the page's own name: `#/sessions/abc` gives the sessions page ["abc"]. */
  route: string[];
}
