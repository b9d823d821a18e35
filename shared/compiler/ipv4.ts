/** IPv4 addresses and networks as the compiler compares them (dotted quads, `ADDR/LEN`). */

/** A dotted quad as a 32-bit unsigned number. */
export function ipv4Number(addr: string): number {
  return addr.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
}

/** The netmask of a prefix length, as a 32-bit unsigned number. */
function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** `[address, prefix length]` of `ADDR/LEN` (a bare address is a /32). */
function parts(cidr: string): [number, number] {
  const [addr = '', len = '32'] = cidr.split('/');
  return [ipv4Number(addr), Number(len)];
}

/** True when `addr` is inside the network of `cidr` (`10.0.20.254/24`). */
export function inNetwork(addr: string, cidr: string): boolean {
  const [net, len] = parts(cidr);
  const mask = maskOf(len);
  return (ipv4Number(addr) & mask) >>> 0 === (net & mask) >>> 0;
}

/** True when the networks of `a` and `b` (`ADDR/LEN`, or a bare address) share an address. */
export function networksOverlap(a: string, b: string): boolean {
  const [x, xLen] = parts(a);
  const [y, yLen] = parts(b);
  const mask = maskOf(Math.min(xLen, yLen));
  return (x & mask) >>> 0 === (y & mask) >>> 0;
}
