/**
 * The domain error: the one failure type below both handlers/ and runtime/. It carries a stable code, a
 * human message and details, and a `kind` that says what went wrong in domain terms; handlers/errors.ts
 * alone maps a kind to an HTTP status (storage/ and runtime/ know nothing of HTTP).
 */
export type DomainErrorKind =
  | "validation"
  | "not_found"
  | "conflict"
  | "corrupt"
  | "payment_required"
  | "not_supported"
  | "rate_limited"
  | "too_large";

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}

/** The name storage code has always used for the domain error: the same class, not a second type. */
export { DomainError as StorageError };

export const invalid = (field: string, message: string, details: Record<string, unknown> = {}) =>
  new DomainError("validation", "VALIDATION_ERROR", `${field}: ${message}`, { field, ...details });

export const notFound = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new DomainError("not_found", code, message, details);

export const conflict = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new DomainError("conflict", code, message, details);

/** The answer where this runtime has no such capability (e.g. spawning processes on workerd). */
export const notSupported = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError("not_supported", "NOT_SUPPORTED_IN_RUNTIME", message, details);

/** Something this machine cannot provide under its own code (e.g. a native module that did not load). */
export const unsupported = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new DomainError("not_supported", code, message, details);
