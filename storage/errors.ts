/**
 * Storage-level failures. They carry a stable code and the offending field so the HTTP layer can turn
 * them into the JSON error envelope without knowing storage internals (storage knows nothing of HTTP).
 */
/** `unsupported`: something this runtime or machine cannot provide (e.g. a native module that did not load). */
export type StorageErrorKind = "validation" | "not_found" | "conflict" | "corrupt" | "unsupported";

export class StorageError extends Error {
  constructor(
    readonly kind: StorageErrorKind,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "StorageError";
  }
}

export const invalid = (field: string, message: string, details: Record<string, unknown> = {}) =>
  new StorageError("validation", "VALIDATION_ERROR", `${field}: ${message}`, { field, ...details });

export const notFound = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new StorageError("not_found", code, message, details);

export const conflict = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new StorageError("conflict", code, message, details);

export const unsupported = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new StorageError("unsupported", code, message, details);
