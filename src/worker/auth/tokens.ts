/**
 * Opaque session tokens: 32 random bytes, handed to the client once; D1 keeps only their
 * SHA-256, so a leaked database holds no usable token.
 */
import { bytesToBase64Url, bytesToHex } from './encoding';

export function newSessionToken(): string {
  return bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return bytesToHex(new Uint8Array(digest));
}
