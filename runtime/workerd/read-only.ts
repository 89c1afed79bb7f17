import { normalizeKey, type Storage } from "unstorage";
import type { BackendFactory } from "../../storage/backend.js";
import { notSupported } from "../../storage/errors.js";

/** The answer to any write of published data at the edge. */
export const readOnlyError = () =>
  notSupported(
    "the edge serves what the local gateway published, read-only: change it on the local gateway, then run npm run publish:edge",
  );

type KeyWrite = (key: string, ...rest: never[]) => Promise<unknown>;

/**
 * A storage whose writes fail with 501 unless `writable(key)` allows them. Applied under the repositories,
 * so a write route runs its role check and input validation first and is refused only where it would
 * change published data (a local publish would overwrite or delete it anyway).
 */
export function readOnlyStorage(storage: Storage, writable: (key: string) => boolean): Storage {
  // Each wrapper keeps the signature of the method it guards (unstorage's are generic).
  const guard = <F extends KeyWrite>(write: F): F =>
    ((key: string, ...rest: never[]) =>
      writable(normalizeKey(key)) ? write(key, ...rest) : Promise.reject(readOnlyError())) as F;
  const refuse = async (): Promise<never> => {
    throw readOnlyError();
  };
  return {
    ...storage,
    setItem: guard(storage.setItem),
    setItemRaw: guard(storage.setItemRaw),
    set: guard(storage.set),
    removeItem: guard(storage.removeItem),
    remove: guard(storage.remove),
    del: guard(storage.del),
    setMeta: guard(storage.setMeta),
    removeMeta: guard(storage.removeMeta),
    setItems: refuse,
    clear: refuse,
  };
}

/** Every root read-only except the keys `writable(root, key)` names (the edge's own webhook state). */
export function readOnlyBackends(
  inner: BackendFactory,
  writable: (root: string, key: string) => boolean,
): BackendFactory {
  return (root, kind) => {
    const backend = inner(root, kind);
    return { ...backend, storage: readOnlyStorage(backend.storage, (key) => writable(root, key)) };
  };
}
