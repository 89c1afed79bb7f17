import { createSpinner } from "nanospinner";

export interface Spinner {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

/**
 * A spinner on stderr for anything that may take over a second. Only on a terminal (and not with NO_COLOR
 * or when stdout is piped): elsewhere it stays silent, and the command prints its outcome itself.
 */
export function startSpinner(text: string, options: { enabled?: boolean } = {}): Spinner {
  // nanospinner animates only when stdout is a terminal too (it writes one line per frame otherwise).
  const enabled =
    (options.enabled ?? true) &&
    process.stderr.isTTY === true &&
    process.stdout.isTTY === true &&
    !process.env.NO_COLOR;
  if (!enabled) return { update() {}, succeed() {}, fail() {}, stop() {} };
  const spinner = createSpinner(text, { stream: process.stderr }).start();
  return {
    update: (next) => {
      spinner.update({ text: next });
    },
    succeed: (done) => {
      spinner.success(done === undefined ? undefined : { text: done });
    },
    fail: (done) => {
      spinner.error(done === undefined ? undefined : { text: done });
    },
    stop: () => {
      spinner.stop();
    },
  };
}

/** Runs `task` under a spinner, which ends in success or failure with the task. */
export async function withSpinner<T>(
  text: string,
  task: (spinner: Spinner) => Promise<T>,
  enabled = true,
): Promise<T> {
  const spinner = startSpinner(text, { enabled });
  try {
    const result = await task(spinner);
    spinner.stop();
    return result;
  } catch (error) {
    spinner.stop();
    throw error;
  }
}
