/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive); undefined otherwise. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization ? /^Bearer\s+(.+)$/i.exec(authorization.trim())?.[1] : undefined;
}
