import { randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh random token for one `qnet serve` run: 32 bytes, URL-safe. */
export function createToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares a presented token with the expected one in constant time (no early exit on the first wrong byte). */
export function tokenMatches(expected: string, presented: string | null | undefined): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
