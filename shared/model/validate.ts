import type { Diagnostic } from '../diagnostics';
import { linkId, linkKey, resolveEndpoint } from './endpoint';
import { kindLabel, linkRule, portRule } from './links';
import type { Topology, TopologyNode } from './schema';
import { networkingArg } from './extraArgs';

export { linkId, resolveEndpoint } from './endpoint';

/**
 * Structural rules that span nodes and links (the per-node schemas cannot see them): ids and names unique,
 * links pointing at real ports, each port used once, only the links DESIGN.md's realization table allows.
 */

type Path = (string | number)[];

function diag(
  code: string,
  message: string,
  nodes: string[],
  links: string[],
  path: Path,
  extra: Partial<Diagnostic> = {},
): Diagnostic {
  return { code, severity: 'error', message, nodes, links, path, ...extra };
}

/** How messages name a link: its ends, and its id when the file gives one. */
function linkLabel(link: Topology['links'][number]): string {
  return link.id !== undefined ? `link "${link.id}" (${link.a} - ${link.b})` : `link ${link.a} - ${link.b}`;
}

function nodeName(n: TopologyNode): string {
  return n.name ?? n.id;
}

function checkNodes(t: Topology, out: Diagnostic[]): void {
  const ids = new Map<string, number>();
  const names = new Map<string, number>();
  t.nodes.forEach((n, i) => {
    const first = ids.get(n.id);
    if (first !== undefined) {
      out.push(
        diag(
          'DUPLICATE_ID',
          `node id "${n.id}" is used twice (nodes ${first} and ${i}): ids must be unique`,
          [n.id],
          [],
          ['nodes', i, 'id'],
        ),
      );
    } else ids.set(n.id, i);
    const name = nodeName(n);
    const firstName = names.get(name);
    // A repeated id without a name is already DUPLICATE_ID; saying it twice would be noise.
    if (firstName !== undefined && !(first !== undefined && n.name === undefined)) {
      const other = t.nodes[firstName];
      out.push(
        diag(
          'DUPLICATE_NAME',
          `node "${n.id}": name "${name}" is already the name of node "${other?.id}": names must be unique`,
          [n.id, other?.id ?? ''],
          [],
          ['nodes', i, n.name === undefined ? 'id' : 'name'],
        ),
      );
    } else names.set(name, i);
    if (n.kind === 'vm') {
      const seen = new Set<string>();
      n.nics.forEach((nic, j) => {
        if (seen.has(nic.id)) {
          out.push(
            diag(
              'DUPLICATE_NIC',
              `node "${n.id}" (vm): NIC id "${nic.id}" is used twice: each NIC needs its own id`,
              [n.id],
              [],
              ['nodes', i, 'nics', j, 'id'],
            ),
          );
        }
        seen.add(nic.id);
      });
      const bad = networkingArg(n.extraArgs);
      if (bad) {
        out.push(
          diag(
            'EXTRA_ARGS_NETWORKING',
            `node "${n.id}" (vm): extra argument "${bad.arg}" is networking: ${bad.why}; draw NICs and links instead`,
            [n.id],
            [],
            ['nodes', i, 'extraArgs', bad.index],
            {
              fix: { label: `Remove "${bad.arg}" from the extra arguments of ${n.id}` },
            },
          ),
        );
      }
    } else if (n.kind === 'host') {
      const seen = new Set<string>();
      n.interfaces.forEach((itf, j) => {
        if (seen.has(itf.name)) {
          out.push(
            diag(
              'DUPLICATE_NIC',
              `node "${n.id}" (host): interface "${itf.name}" is listed twice`,
              [n.id],
              [],
              ['nodes', i, 'interfaces', j, 'name'],
            ),
          );
        }
        seen.add(itf.name);
      });
    }
  });
}

function hasPort(n: TopologyNode, port: string): boolean {
  if (n.kind === 'vm' || n.kind === 'uml') return n.nics.some((nic) => nic.id === port);
  if (n.kind === 'host') return n.interfaces.some((itf) => itf.name === port);
  return false;
}

/** True when a link end names a node of `nodes` and, if it names a port, a port that node has. */
export function endpointExists(nodes: readonly TopologyNode[], endpoint: string): boolean {
  const { node, port } = resolveEndpoint(endpoint);
  const n = nodes.find((x) => x.id === node);
  return n !== undefined && (port === undefined || hasPort(n, port));
}

/** Checks one end of link `i`; returns the node when the end is usable. */
function checkEnd(
  byId: Map<string, TopologyNode>,
  lid: string,
  label: string,
  i: number,
  side: 'a' | 'b',
  endpoint: string,
  otherEnd: string,
  out: Diagnostic[],
): TopologyNode | null {
  const { node, port } = resolveEndpoint(endpoint);
  const n = byId.get(node);
  const path = ['links', i, side];
  if (!n) {
    // The node left on the link's other end is the one the canvas marks: the link holds one of its ports.
    const other = resolveEndpoint(otherEnd).node;
    out.push(
      diag(
        'LINK_DANGLING',
        `${label}: end ${side} "${endpoint}" names node "${node}", which does not exist`,
        byId.has(other) ? [other] : [],
        [lid],
        path,
        { fix: { label: `Remove the link`, action: { kind: 'remove-link', link: lid } } },
      ),
    );
    return null;
  }
  const rule = portRule(n.kind);
  if (rule.ports === 'required' && port === undefined) {
    const list =
      n.kind === 'vm' || n.kind === 'uml'
        ? n.nics.map((x) => x.id)
        : n.kind === 'host'
          ? n.interfaces.map((x) => x.name)
          : [];
    const hint = list.length ? `, e.g. "${node}:${list[0]}"` : `; node "${node}" has no ${rule.portNoun} yet`;
    out.push(
      diag(
        'PORT_MISSING',
        `${label}: end ${side} "${endpoint}" must name a ${rule.portNoun} of ${kindLabel(n.kind)} "${node}"${hint}`,
        [node],
        [lid],
        path,
      ),
    );
    return null;
  }
  if (rule.ports === 'none' && port !== undefined) {
    out.push(
      diag(
        'PORT_UNEXPECTED',
        `${label}: end ${side} "${endpoint}": a ${kindLabel(n.kind)} has no named ports, write just "${node}"`,
        [node],
        [lid],
        path,
        {
          fix: { label: `Write "${node}" instead of "${endpoint}"` },
        },
      ),
    );
    return null;
  }
  if (port !== undefined && !hasPort(n, port)) {
    out.push(
      diag(
        'LINK_DANGLING',
        `${label}: end ${side} "${endpoint}": ${kindLabel(n.kind)} "${node}" has no ${rule.portNoun} "${port}"`,
        [node],
        [lid],
        path,
        { fix: { label: `Remove the link`, action: { kind: 'remove-link', link: lid } } },
      ),
    );
    return null;
  }
  return n;
}

interface LinkRef {
  readonly id: string;
  readonly label: string;
}

function checkLinks(t: Topology, out: Diagnostic[]): void {
  const byId = new Map<string, TopologyNode>();
  for (const n of t.nodes) if (!byId.has(n.id)) byId.set(n.id, n);
  const linkIds = new Map<string, number>();
  const keys = new Map<string, LinkRef>();
  const portUse = new Map<string, LinkRef>();
  const tapUse = new Map<string, { qemu: LinkRef[]; bridge: LinkRef[] }>();

  t.links.forEach((link, i) => {
    const lid = linkId(link, i);
    const label = linkLabel(link);
    const firstId = linkIds.get(lid);
    const key = linkKey(link);
    const dupOf = keys.get(key);
    if (dupOf !== undefined) {
      out.push(
        diag(
          'DUPLICATE_LINK',
          `${label}: "${link.a}" and "${link.b}" are already linked (${dupOf.label})`,
          [],
          [lid, dupOf.id],
          ['links', i],
          {
            fix: {
              label: `Remove the second link between ${link.a} and ${link.b}`,
              action: { kind: 'remove-link', link: lid },
            },
          },
        ),
      );
      return;
    }
    const ref: LinkRef = { id: lid, label };
    keys.set(key, ref);
    if (firstId !== undefined) {
      out.push(
        diag(
          'DUPLICATE_ID',
          `${label}: link id "${lid}" is used twice (links ${firstId} and ${i}): ids must be unique`,
          [],
          [lid],
          link.id !== undefined ? ['links', i, 'id'] : ['links', i],
        ),
      );
    } else linkIds.set(lid, i);

    const na = checkEnd(byId, lid, label, i, 'a', link.a, link.b, out);
    const nb = checkEnd(byId, lid, label, i, 'b', link.b, link.a, out);
    if (!na || !nb) return;
    if (na === nb) {
      const what = na.kind === 'vm' ? `; to join NICs of one VM use a hub` : '';
      out.push(
        diag(
          'LINK_SELF',
          `${label}: both ends are node "${na.id}": a link must join two different nodes${what}`,
          [na.id],
          [lid],
          ['links', i, 'b'],
          {
            fix: { label: `Remove the link`, action: { kind: 'remove-link', link: lid } },
          },
        ),
      );
      return;
    }
    const rule = linkRule(na.kind, nb.kind);
    if (!rule.ok) {
      out.push(
        diag('LINK_UNSUPPORTED', `${label}: ${rule.reason}`, [na.id, nb.id], [lid], ['links', i], {
          fix: { label: `Remove the link`, action: { kind: 'remove-link', link: lid } },
        }),
      );
      return;
    }
    // A link claims its ports only when the compiler keeps it (buildGraph): the first link in file order wins a
    // port, and a link that loses one end, or repeats an id, claims neither end. So the link blamed here is always
    // the one the compiler drops.
    const conflicts: Diagnostic[] = [];
    const claims: (() => void)[] = [];
    for (const [side, n, endpoint] of [
      ['a', na, link.a],
      ['b', nb, link.b],
    ] as const) {
      const other = n === na ? nb : na;
      const pr = portRule(n.kind);
      if (n.kind === 'tap') {
        const use = tapUse.get(n.id) ?? { qemu: [], bridge: [] };
        tapUse.set(n.id, use);
        const list = other.kind === 'bridge' ? use.bridge : use.qemu;
        const prev = list[0];
        if (prev === undefined) {
          claims.push(() => list.push(ref));
          continue;
        }
        const what = other.kind === 'bridge' ? 'one bridge' : 'one VM or hub';
        const both = [prev, ref].map((l) => l.label.replace(/^link /, '')).join('" and "');
        conflicts.push(
          diag(
            'TAP_LINKS',
            `tap "${n.id}": a tap joins at most ${what}, but it has links "${both}": add another tap`,
            [n.id],
            [prev.id, lid],
            ['links', i, side],
          ),
        );
        continue;
      }
      if (pr.maxLinks === null) continue;
      const useKey = pr.ports === 'required' ? endpoint : n.id;
      const prev = portUse.get(useKey);
      if (prev === undefined) {
        claims.push(() => portUse.set(useKey, ref));
        continue;
      }
      const what =
        pr.ports === 'required'
          ? `${pr.portNoun} "${endpoint}"`
          : `${kindLabel(n.kind)} "${n.id}" (it takes exactly one link)`;
      conflicts.push(
        diag(
          'PORT_LINKED_TWICE',
          `${label}: ${what} is already used by ${prev.label}`,
          [n.id],
          [prev.id, lid],
          ['links', i, side],
        ),
      );
    }
    out.push(...conflicts);
    if (conflicts.length === 0 && firstId === undefined) for (const claim of claims) claim();
  });
}

function checkLayout(t: Topology, out: Diagnostic[]): void {
  const ids = new Set(t.nodes.map((n) => n.id));
  for (const key of Object.keys(t.layout.nodes)) {
    if (!ids.has(key)) {
      out.push({
        code: 'LAYOUT_UNKNOWN_NODE',
        severity: 'warning',
        message: `layout: position for node "${key}", which does not exist (it is ignored)`,
        nodes: [],
        links: [],
        path: ['layout', 'nodes', key],
        fix: { label: `Drop the layout entry "${key}"` },
      });
    }
  }
}

/** Every structural problem of a schema-valid topology, in document order (nodes, links, layout). */
export function checkStructure(t: Topology): Diagnostic[] {
  const out: Diagnostic[] = [];
  checkNodes(t, out);
  checkLinks(t, out);
  checkLayout(t, out);
  return out;
}
