/**
 * Reading a compiled QEMU argv back: option values (`-kernel P`), QEMU's key=value lists with `,,` escapes, and the
 * host ports a guest binds. Used by preflight; the argv is the compiler's, so only its own shapes matter here.
 */

/** Every value following `flag` in argv (e.g. all `-netdev` values). */
export function optionValues(argv: readonly string[], flag: string): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    if (a === flag && i + 1 < argv.length) out.push(argv[i + 1] as string);
  });
  return out;
}

/** Splits a QEMU option list (`type,key=value,…`, `,,` is a literal comma) into its type and its keys. */
export function parseQemuOpts(text: string): { type: string; keys: [string, string][] } {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ',' && text[i + 1] === ',') {
      cur += ',';
      i++;
    } else if (c === ',') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  const [first = '', ...rest] = parts;
  const keys: [string, string][] = [];
  let type = first;
  if (first.includes('=')) {
    type = '';
    rest.unshift(first);
  }
  for (const p of rest) {
    const eq = p.indexOf('=');
    keys.push(eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)]);
  }
  return { type, keys };
}

/** The value of `key` in a parsed option list (the first one), or undefined. */
export function optValue(opts: { keys: [string, string][] }, key: string): string | undefined {
  return opts.keys.find(([k]) => k === key)?.[1];
}

/** A host port a guest binds: what binds it, for messages. */
export interface BoundPort {
  readonly proto: 'tcp' | 'udp';
  readonly host: string;
  readonly port: number;
  /** "hostfwd", "socket listen", "stream server", "dgram", "l2tpv3". */
  readonly what: string;
}

const isMulticast = (host: string) => /^(22[4-9]|23\d)\./.test(host);

/** The TCP/UDP host ports the `-netdev`/`-nic` backends of one guest argv bind (not multicast groups). */
export function boundPorts(argv: readonly string[]): BoundPort[] {
  const out: BoundPort[] = [];
  for (const value of [...optionValues(argv, '-netdev'), ...optionValues(argv, '-nic')]) {
    const o = parseQemuOpts(value);
    for (const [k, v] of o.keys) {
      if (k !== 'hostfwd') continue;
      const m = /^(tcp|udp)?:([^:]*):(\d+)-/.exec(v);
      if (m && Number(m[3]) > 0) out.push({ proto: m[1] === 'udp' ? 'udp' : 'tcp', host: m[2] || '0.0.0.0', port: Number(m[3]), what: 'hostfwd' });
    }
    const hostPort = (s: string | undefined): { host: string; port: number } | null => {
      const m = s === undefined ? null : /^(.*):(\d+)$/.exec(s);
      return m ? { host: m[1] || '0.0.0.0', port: Number(m[2]) } : null;
    };
    if (o.type === 'socket') {
      const listen = hostPort(optValue(o, 'listen'));
      if (listen) out.push({ proto: 'tcp', ...listen, what: 'socket listen' });
      const local = hostPort(optValue(o, 'localaddr'));
      if (local && optValue(o, 'udp') !== undefined) out.push({ proto: 'udp', ...local, what: 'socket udp' });
    }
    if (o.type === 'stream' && optValue(o, 'server') === 'on' && optValue(o, 'addr.type') === 'inet') {
      out.push({ proto: 'tcp', host: optValue(o, 'addr.host') ?? '0.0.0.0', port: Number(optValue(o, 'addr.port')), what: 'stream server' });
    }
    if (o.type === 'dgram' && optValue(o, 'local.type') === 'inet') {
      const host = optValue(o, 'local.host') ?? '0.0.0.0';
      if (!isMulticast(optValue(o, 'remote.host') ?? '')) out.push({ proto: 'udp', host, port: Number(optValue(o, 'local.port')), what: 'dgram' });
    }
    if (o.type === 'l2tpv3' && optValue(o, 'udp') === 'on' && optValue(o, 'srcport') !== undefined) {
      out.push({ proto: 'udp', host: optValue(o, 'src') ?? '0.0.0.0', port: Number(optValue(o, 'srcport')), what: 'l2tpv3' });
    }
  }
  return out.filter((p) => Number.isInteger(p.port) && p.port > 0);
}
