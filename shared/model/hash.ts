/**
 * Small, stable string hashes for derived ids and names. Not cryptographic: they only need to be deterministic
 * across runs and platforms and to spread well, so the same topology always compiles to the same names.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a over the UTF-16 code units of `s`, as an unsigned integer. */
export function fnv1a32(s: string, seed: number = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** A base-36 digest of `s` exactly `len` characters long (lowercase letters and digits). */
export function hashBase36(s: string, len: number): string {
  // Each round of 32 bits gives 6 full base-36 digits; chain rounds with distinct seeds for longer digests.
  let out = '';
  let seed = FNV_OFFSET;
  for (let round = 0; out.length < len; round++) {
    const h = fnv1a32(s, seed);
    out += (h % 2176782336).toString(36).padStart(6, '0');
    seed = fnv1a32(String(round), h ^ FNV_OFFSET);
  }
  return out.slice(0, len);
}
