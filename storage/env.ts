/** Expands `${NAME}` references from the given environment; missing variables are reported, not guessed. */
export function expandEnv(
  value: string,
  env: Readonly<Record<string, string | undefined>>,
): { value: string; missing: string[] } {
  const missing: string[] = [];
  const expanded = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const found = env[name];
    if (found === undefined || found === "") {
      missing.push(name);
      return "";
    }
    return found;
  });
  return { value: expanded, missing };
}
