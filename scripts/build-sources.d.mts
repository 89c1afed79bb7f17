export const BUILD_SOURCES: string[];
export function sourcesNewerThan(root: string, time: number): boolean;
