import { RequestError } from "@agentclientprotocol/sdk";
import { DomainError } from "../../storage/errors.js";
import type { Logger } from "../capabilities/logger.js";
import { ApiError } from "../errors.js";

/** ACP's own code for "no such session or resource" (the SDK's resourceNotFound). */
const RESOURCE_NOT_FOUND = -32002;
/** ACP's "authentication required": the caller's key lacks the role the method needs. */
const AUTH_REQUIRED = -32000;

/**
 * The gateway's failures as JSON-RPC errors: the one envelope's code and details travel in `data`, so an
 * ACP client sees the same `SESSION_BUSY` or `AGENT_NOT_FOUND` a REST client would.
 */
export function toRequestError(error: unknown, logger: Logger): RequestError {
  if (error instanceof RequestError) return error;
  if (error instanceof DomainError) {
    const data = { code: error.code, details: error.details };
    if (error.kind === "validation" || error.kind === "too_large")
      return RequestError.invalidParams(data, error.message);
    if (error.kind === "not_found") return new RequestError(RESOURCE_NOT_FOUND, error.message, data);
    return new RequestError(-32603, error.message, data);
  }
  if (error instanceof ApiError) {
    const data = { code: error.code, details: error.details };
    if (error.status === 400 || error.status === 422) return RequestError.invalidParams(data, error.message);
    if (error.status === 404) return new RequestError(RESOURCE_NOT_FOUND, error.message, data);
    if (error.status === 401 || error.status === 403)
      return new RequestError(AUTH_REQUIRED, error.message, data);
    return new RequestError(-32603, error.message, data);
  }
  logger.error({ msg: "ACP request failed", error: (error as Error)?.message });
  return RequestError.internalError({ code: "INTERNAL_ERROR" }, "internal error");
}
