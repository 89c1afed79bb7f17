export function buildWeb(
  outdir?: string,
): Promise<{ outdir: string; script: string; style: string | undefined }>;
