/**
 * Short records every gateway instance sees (multi-instance mode keeps them in Redis, see
 * runtime/redis/shared-keys.ts); a lone gateway has none and keeps such records in its data folder.
 */
export interface SharedKeys {
  /** Stores `value` for `ttlMs` unless the key holds one: null when stored, else the value it holds. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<string | null>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}
