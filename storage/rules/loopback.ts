/**
 * Whether an address is a loopback one. Both the HTTP layer (who may be served without API keys) and the
 * Node runtime (which binds it refuses without keys) need this rule, so it lives below both: storage/ is
 * the one layer both may import (DESIGN.md fixes the top-level folders).
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^::ffff:/, "");
  return a === "::1" || a === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(a);
}
