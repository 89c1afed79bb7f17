/**
 * Failed credential attempts that every gateway instance hears about (multi-instance mode: Redis pub/sub,
 * runtime/redis/shared-failures.ts), so the per-address limit holds across instances.
 */
export interface SharedFailures {
  /** Tells the other instances of a failure from `address` at `at` (epoch ms); fire and forget. */
  publish(address: string, at: number): void;
  /** Failures the other instances counted, as they are told; answers the unsubscribe. */
  subscribe(listener: (address: string, at: number) => void): () => void;
}
