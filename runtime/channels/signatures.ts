import { createHmac, createPublicKey, timingSafeEqual, verify } from "node:crypto";
import { LRUCache } from "lru-cache";

/** Requests older than this (or from further in the future) are refused as replays. */
export const MAX_REQUEST_AGE_MS = 5 * 60 * 1000;

export function hmacSha256Hex(secret: string, payload: string): string {
  return createHmac("sha256", secret).update(payload).digest("hex");
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Ed25519 verification with a raw 32-byte public key given as hex (Discord's application public key). */
export function verifyEd25519(publicKeyHex: string, message: string, signatureHex: string): boolean {
  if (!/^[0-9a-fA-F]{128}$/.test(signatureHex)) return false;
  // A raw key becomes a SubjectPublicKeyInfo by prefixing the fixed Ed25519 header.
  const spki = Buffer.concat([
    Buffer.from("302a300506032b6570032100", "hex"),
    Buffer.from(publicKeyHex, "hex"),
  ]);
  const key = createPublicKey({ key: spki, format: "der", type: "spki" });
  return verify(null, Buffer.from(message), key, Buffer.from(signatureHex, "hex"));
}

/**
 * Replay protection for signed intake requests: a request whose timestamp is too old (or too far ahead)
 * is refused, and so is a signature already seen within the window.
 */
export class ReplayGuard {
  private readonly seen = new LRUCache<string, true>({ max: 10_000, ttl: 2 * MAX_REQUEST_AGE_MS });

  constructor(private readonly now: () => number) {}

  /** Why the request is refused, or undefined when it is fresh (and then remembered). */
  check(timestampSeconds: string | undefined, signature: string): string | undefined {
    const seconds = Number(timestampSeconds);
    if (!timestampSeconds || !Number.isFinite(seconds)) return "missing or invalid request timestamp";
    if (Math.abs(this.now() - seconds * 1000) > MAX_REQUEST_AGE_MS)
      return "request timestamp is more than 5 minutes away from now (replay refused)";
    if (this.seen.has(signature)) return "this signature was already received (replay refused)";
    this.seen.set(signature, true);
    return undefined;
  }
}
