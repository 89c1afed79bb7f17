/*
 * UTF-8 text to and from base64 with the web platform's own functions (handlers run on workerd too, where
 * Node's Buffer is not a given).
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CHUNK = 0x8000;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function encodeBase64(text: string): string {
  const bytes = encoder.encode(text);
  let binary = "";
  // Chunks keep String.fromCharCode's argument list short on large outputs.
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** The text, or undefined when `data` is not base64. */
export function decodeBase64(data: string): string | undefined {
  const compact = data.replace(/\s+/g, "");
  if (!BASE64.test(compact)) return undefined;
  try {
    const binary = atob(compact);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}
