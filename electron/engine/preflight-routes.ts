/** Preflight: a lab's bridge address must not bring a route to a network the host already routes. */
import type { Diagnostic } from '../../shared/diagnostics';
import type { PreflightContext } from './preflight';
import { pdiag } from './preflight-diag';

/** A network as its first address and prefix length; null for what is not `a.b.c.d[/n]`. */
function parseNet(text: string): { base: number; len: number } | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?$/.exec(text);
  if (!m) return null;
  const len = m[5] === undefined ? 32 : Number(m[5]);
  const addr = m.slice(1, 5).reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return { base: (addr & mask) >>> 0, len };
}

/** True when network `inner` lies within `outer`. */
function within(inner: { base: number; len: number }, outer: { base: number; len: number }): boolean {
  if (inner.len < outer.len) return false;
  const mask = outer.len === 0 ? 0 : (0xffffffff << (32 - outer.len)) >>> 0;
  return (inner.base & mask) >>> 0 === outer.base;
}

/**
 * Each network a host step routes (a bridge's address) against this namespace's routes: the same network or one
 * inside it routed elsewhere is an error (its traffic would go two ways); a wider one (not the default route) is a
 * warning, since the lab's more specific route takes that part of it from the host.
 */
export function checkRoutes(ctx: PreflightContext): Diagnostic[] {
  if (ctx.routes === null) return [];
  const out: Diagnostic[] = [];
  for (const s of ctx.plan.hostSteps) {
    if (s.routes === undefined || s.inNetns) continue;
    const lab = parseNet(s.routes);
    if (!lab) continue;
    for (const r of ctx.routes) {
      const host = r.dst === 'default' ? null : parseNet(r.dst);
      if (!host) continue;
      const via = r.dev ? ` on ${r.dev}` : '';
      const del = `sudo ip route del ${r.dst}${r.dev ? ` dev ${r.dev}` : ''}`;
      if (within(host, lab)) {
        const fix = `give the lab's bridge an address in another subnet, or remove that route (${del}) if it is stale`;
        out.push(
          pdiag(
            'PREFLIGHT_ROUTE_OVERLAP',
            `${s.description}: this host already routes ${r.dst}${via}, inside the lab's ${s.routes}: ${fix}`,
            { fix },
          ),
        );
      } else if (within(lab, host)) {
        const fix = `give the lab's bridge an address outside ${r.dst}`;
        out.push(
          pdiag(
            'PREFLIGHT_ROUTE_OVERLAP',
            `${s.description}: the lab's ${s.routes} lies inside ${r.dst}, which this host routes${via}; that part of it would reach the lab instead: ${fix}`,
            {
              fix,
              severity: 'warning',
            },
          ),
        );
      }
    }
  }
  return out;
}
