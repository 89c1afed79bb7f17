/**
 * GETs of the web dashboard's page (`/`) and built files (`/ui/…`), which need no API key: the page asks
 * for one, and every API call it makes sends it (handlers/web/dashboard-ui.ts).
 */
export function isDashboardShellRequest(method: string, path: string): boolean {
  return (method === "GET" || method === "HEAD") && (path === "/" || path.startsWith("/ui/"));
}
