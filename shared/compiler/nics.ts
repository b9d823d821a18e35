import { isShaped } from './shaping';
import { endpointExists } from '../model/validate';
import { linkId } from '../model/endpoint';
import { nodePath } from './docpath';
import type { Nic, VmNode } from '../model/schema';
import type { NicFact } from './plan';
import type { Ctx } from './context';
import type { IdAllocator } from './derive';
import type { MachineInfo } from './machine';
import type { P2pPlan } from './p2p';
import type { HubPlan } from './hubs';
import { backend, backendLabel, moreOpts, netdevValue, type Backend } from './backend';
import { diag } from './diagnostics';
import { otherEnd } from './graph';
import { nicKey } from './mac';
import { frontendModel, isMmioModel, isVirtioModel } from './machine';
import { nodeBackend } from './nodebackend';
import { qopts } from '../qemuopts';
import { useBackend } from './context';
import { qemuAtLeast } from './target';
import { isOnboardOnly, isUsbNic, notEthernet } from './nicmodels';

/** What the NIC phase hands back for one VM: the networking argv, whether guest memory must be shared, its backends. */
export interface VmNetworking {
  readonly argv: string[];
  readonly shareMem: boolean;
  /** Every netdev it declares (hub backends included), in argv order. */
  readonly backends: readonly Backend[];
  readonly nics: readonly NicFact[];
}

interface VmScope {
  readonly ctx: Ctx;
  readonly vm: VmNode;
  readonly machine: MachineInfo;
  readonly ids: IdAllocator;
  readonly p2p: ReadonlyMap<string, P2pPlan>;
  readonly hubs: ReadonlyMap<string, HubPlan>;
  readonly argv: string[];
  readonly emittedHubs: Set<string>;
  readonly backends: Backend[];
  readonly nics: NicFact[];
  shareMem: boolean;
  /** A USB controller was added (for a USB NIC). */
  usb?: boolean;
}

function toVirtio(s: VmScope, index: number) {
  return {
    label: `Make ${s.vm.id}:${s.vm.nics[index]?.id} a virtio NIC`,
    action: { kind: 'set-field' as const, node: s.vm.id, path: ['nics', index, 'model'], value: 'virtio' },
  };
}

/** Frontend problems QEMU would refuse at start: a bus the machine lacks, vhost on a non-virtio NIC. */
function checkFrontend(s: VmScope, nic: Nic, index: number, model: string, b: Backend | null): void {
  const where = { nodes: [s.vm.id], path: nodePath(s.ctx.topology, s.vm.id, 'nics', index, 'model') };
  const other = notEthernet(model);
  if (other !== undefined) {
    s.ctx.diagnostics.push(
      diag('NIC_NOT_ETHERNET', `${s.vm.id}:${nic.id}: ${model} is not an Ethernet NIC but ${other}`, {
        ...where,
        fix: toVirtio(s, index),
      }),
    );
  } else if (!s.machine.hasPci && !isMmioModel(model) && !isOnboardOnly(model)) {
    s.ctx.diagnostics.push(
      diag(
        'PCI_NIC_NO_PCI',
        `${s.vm.id}:${nic.id}: NIC model ${model} needs a PCI bus, which machine ${s.machine.type} lacks`,
        { ...where, fix: toVirtio(s, index) },
      ),
    );
  } else if (isMmioModel(model) && !s.machine.hasVirtioMmio) {
    s.ctx.diagnostics.push(
      diag(
        'MMIO_NIC_NO_MMIO',
        `${s.vm.id}:${nic.id}: NIC model ${model} needs virtio-mmio, which machine ${s.machine.type} lacks`,
        { ...where, fix: toVirtio(s, index) },
      ),
    );
  }
  const offered = s.ctx.target.nicModels?.[`${s.vm.arch}/${s.machine.type}`];
  if (offered && !isMmioModel(model) && !offered.includes(model)) {
    s.ctx.diagnostics.push(
      diag(
        'NIC_MODEL_UNKNOWN',
        `${s.vm.id}:${nic.id}: this QEMU has no NIC model ${model} for machine ${s.machine.type} (it offers ${offered.join(', ')})`,
        {
          ...where,
          fix: toVirtio(s, index),
        },
      ),
    );
  }
  if (b?.needsVirtio && !isVirtioModel(nic.model)) {
    s.ctx.diagnostics.push(
      diag(
        'VHOST_NON_VIRTIO',
        `${s.vm.id}:${nic.id}: ${b.needsVirtio} needs a virtio-net NIC, but the model is ${nic.model}`,
        { ...where, fix: toVirtio(s, index) },
      ),
    );
  }
}

/**
 * QEMU 7.2 under TCG crashes (SIGSEGV in msix_set_vector_notifiers, from vhost_net_start) when the guest's driver
 * starts a vhost-user virtio-net-pci NIC; with MSI-X off (`vectors=0`, legacy INTx) it runs. Verified on 7.2 with
 * DPDK testpmd; 10.0 needs nothing. Versions between are unverified, so only QEMU before 8.0 gets it.
 */
function msixOff(s: VmScope, nic: Nic, index: number, b: Backend, model: string): [string, number][] {
  const kvm = s.vm.accel === 'kvm' || (s.vm.accel === 'auto' && s.ctx.target.kvm);
  if (b.type !== 'vhost-user' || model !== 'virtio-net-pci' || kvm || qemuAtLeast(s.ctx.target, 8, 0)) return [];
  if (nic.properties?.vectors !== undefined) return [];
  s.ctx.diagnostics.push(
    diag(
      'VHOST_USER_MSIX_OFF',
      `${s.vm.id}:${nic.id}: QEMU ${s.ctx.target.qemuVersion.major}.${s.ctx.target.qemuVersion.minor} under TCG crashes when a guest starts a vhost-user NIC with MSI-X, so it gets vectors=0 (legacy interrupts)`,
      {
        nodes: [s.vm.id],
        path: nodePath(s.ctx.topology, s.vm.id, 'nics', index),
      },
    ),
  );
  return [['vectors', 0]];
}

/** The VM's USB controller (qemu-xhci), added once, before its first USB NIC. */
function usbController(s: VmScope): void {
  if (s.usb) return;
  s.usb = true;
  s.argv.push('-device', qopts('qemu-xhci', [['id', s.ids.take('usb')]]));
}

/** Emit one NIC: its backend (or none) with its frontend, in the `-device` form or, where possible, the `-nic` form. */
function emitNic(s: VmScope, nic: Nic, index: number, b: Backend | null): void {
  const model = frontendModel(nic.model, s.machine);
  checkFrontend(s, nic, index, model, b);
  const mac = s.ctx.macs.get(nicKey(s.vm.id, nic.id));
  const deviceId = s.ids.take(`nic-${nic.id}`);
  const props = moreOpts(nic.properties);
  if (isUsbNic(model)) usbController(s);
  if (b === null) {
    s.nics.push({ nic: nic.id, mac: mac ?? null, realization: null, link: null, netdev: null });
    s.argv.push('-device', qopts(model, [['id', deviceId], ['mac', mac], ...props]));
    return;
  }
  if (b.shareMem) s.shareMem = true;
  s.backends.push(b);
  const netdevId = s.ids.take(`net-${nic.id}`);
  const link = s.ctx.graph.nicLink.get(nicKey(s.vm.id, nic.id))?.id ?? null;
  const linkInfo = s.ctx.graph.nicLink.get(nicKey(s.vm.id, nic.id));
  const shaped = link !== null ? s.ctx.shapeTaps.get(link) : undefined;
  const shaping = linkInfo?.link.shaping;
  s.nics.push({
    nic: nic.id,
    mac: mac ?? null,
    realization: backendLabel(b),
    link,
    netdev: netdevId,
    ...(shaped !== undefined ? { tap: shaped.tap } : {}),
    ...(shaped?.ifb !== undefined ? { ifb: shaped.ifb } : {}),
    ...(shaped !== undefined && isShaped(shaping) ? { shaping } : {}),
  });
  s.argv.push(...b.pre);
  const onboard = isOnboardOnly(model);
  if (nic.form === 'nic' || onboard) {
    const why = b.modern
      ? `${b.type} exists only as -netdev`
      : isMmioModel(model)
        ? `${model} is not an on-board NIC`
        : b.queues > 1
          ? 'multiqueue needs -device options'
          : props.length > 0
            ? 'device properties need -device'
            : null;
    const where = { nodes: [s.vm.id], path: nodePath(s.ctx.topology, s.vm.id, 'nics', index, 'model') };
    if (why === null) {
      if (onboard && nic.form !== 'nic')
        s.ctx.diagnostics.push(
          diag(
            'NIC_ONBOARD_ONLY',
            `${s.vm.id}:${nic.id}: ${model} is the board's own NIC, which QEMU makes only through -nic, so -nic is used`,
            where,
          ),
        );
      s.argv.push('-nic', qopts(b.type, [['id', netdevId], ...b.opts, ['model', model], ['mac', mac]]));
      return;
    }
    if (onboard) {
      s.ctx.diagnostics.push(
        diag(
          'NIC_ONBOARD_UNREACHABLE',
          `${s.vm.id}:${nic.id}: ${model} is the board's own NIC, which QEMU makes only through -nic, and that form cannot be used here (${why}): link it to another kind of backend (socket, mcast, user, tap…) or pick a pluggable model`,
          where,
        ),
      );
    } else
      s.ctx.diagnostics.push(
        diag(
          'NIC_FORM_UNSUPPORTED',
          `${s.vm.id}:${nic.id}: the on-board -nic form cannot be used here (${why}), so -netdev and -device are used`,
          {
            nodes: [s.vm.id],
            path: nodePath(s.ctx.topology, s.vm.id, 'nics', index, 'form'),
            fix: {
              label: `Use the -device form for ${s.vm.id}:${nic.id}`,
              action: { kind: 'set-field', node: s.vm.id, path: ['nics', index, 'form'], value: 'device' },
            },
          },
        ),
      );
  }
  s.argv.push('-netdev', netdevValue(b, netdevId));
  // Properties the user gave win over the ones derived for multiqueue.
  const given = new Set(props.map(([k]) => k));
  const mq: [string, string | number | undefined][] =
    b.queues > 1 && isVirtioModel(model)
      ? [
          ['mq', 'on'],
          ['vectors', model === 'virtio-net-pci' ? 2 * b.queues + 2 : undefined],
        ]
      : [];
  const off = msixOff(s, nic, index, b, model);
  const derived = [...(off.length > 0 ? mq.filter(([k]) => k !== 'vectors') : mq), ...off].filter(
    ([k]) => !given.has(k),
  );
  s.argv.push('-device', qopts(model, [['netdev', netdevId], ['mac', mac], ['id', deviceId], ...derived, ...props]));
}

/** The hub's backends and their hubports, emitted once, before the first NIC of the hub (legacy netdevs first). */
function emitHubBackends(s: VmScope, plan: HubPlan): void {
  if (s.emittedHubs.has(plan.hub)) return;
  s.emittedHubs.add(plan.hub);
  for (const l of plan.backendLinks) {
    const node = otherEnd(l, plan.hub).node;
    const b = nodeBackend(s.ctx, node, l.id, s.ids, s.vm.id, true);
    if (!b) continue;
    const id = s.ids.take(`${plan.hub}-${node.id}`);
    s.backends.push(b);
    s.argv.push(...b.pre, '-netdev', netdevValue(b, id));
    s.argv.push(
      '-netdev',
      qopts('hubport', [
        ['id', s.ids.take(`${plan.hub}-${node.id}-port`)],
        ['hubid', plan.hubId],
        ['netdev', id],
      ]),
    );
  }
}

/**
 * The first link of the file with `endpoint` at one end, though the graph left it out: its other end names nothing
 * (`dangling`), or is already on a link the graph kept (`rival`), or the link is refused for another reason.
 */
function heldBy(
  ctx: Ctx,
  endpoint: string,
): { id: string; other: string; dangling: boolean; rival?: string } | undefined {
  const { nodes, links } = ctx.topology;
  for (const l of links) {
    const other = l.a === endpoint ? l.b : l.b === endpoint ? l.a : undefined;
    if (other === undefined) continue;
    const rival = ctx.graph.links.find((g) => g.link.a === other || g.link.b === other);
    return {
      id: linkId(l),
      other,
      dangling: !endpointExists(nodes, other),
      ...(rival ? { rival: rival.id } : {}),
    };
  }
  return undefined;
}

function nicBackend(s: VmScope, nic: Nic, index: number): Backend | null {
  const { ctx, vm } = s;
  const l = ctx.graph.nicLink.get(nicKey(vm.id, nic.id));
  const plan = l ? s.hubs.get(otherEnd(l, vm.id, nic.id).node.id) : undefined;
  const stray = plan !== undefined && plan.vm !== vm.id;
  if (!l || stray) {
    // A link of the file may still name this NIC though the graph left it out: the NIC is on that link.
    const held = stray ? undefined : heldBy(ctx, `${vm.id}:${nic.id}`);
    const why = stray
      ? `is left unconnected: hub ${plan.hub} lives in ${plan.vm}'s process`
      : !held
        ? 'is not linked to anything, so the guest sees a NIC with no cable'
        : held.dangling
          ? `is on link ${held.id}, whose other end "${held.other}" names nothing: the guest sees a NIC with no ` +
            'cable until the link is reattached or removed'
          : held.rival
            ? `is on link ${held.id}, which is left out: its other end "${held.other}" is already on link ` +
              `${held.rival}. The guest sees a NIC with no cable until one of the two links is moved or removed`
            : `is on link ${held.id}, which is left out for the problem named on it: the guest sees a NIC with no ` +
              'cable until that is fixed';
    ctx.diagnostics.push(
      diag('NIC_NO_PEER', `${vm.id}:${nic.id} ${why}`, {
        nodes: [vm.id],
        ...(held ? { links: [held.id] } : {}),
        path: nodePath(ctx.topology, vm.id, 'nics', index),
        qemuWarning: { vm: vm.id, text: `nic ${s.ids.peek(`nic-${nic.id}`)} has no peer` },
        fix: {
          label: !held
            ? `Remove NIC ${nic.id} from ${vm.id}, or link it`
            : held.dangling
              ? `Reattach link ${held.id} on the canvas (drag its red end onto a node), or remove it`
              : held.rival
                ? `Move or remove link ${held.id} (or link ${held.rival})`
                : `Fix or remove link ${held.id}`,
        },
      }),
    );
    return null;
  }
  const other = otherEnd(l, vm.id, nic.id);
  if (other.node.kind === 'vm') {
    const p = s.p2p.get(l.id);
    if (!p) return null;
    return l.a.node.id === vm.id && l.a.port === nic.id ? p.a : p.b;
  }
  if (other.node.kind === 'hub') {
    if (!plan) return null;
    emitHubBackends(s, plan);
    useBackend(ctx, 'hubport', other.node.id);
    return backend('hubport', [['hubid', plan.hubId]]);
  }
  return nodeBackend(ctx, other.node, l.id, s.ids, vm.id);
}

/** The networking argv of one VM: every NIC in order with its backend, hubs with their backends first. */
export function vmNetworking(
  ctx: Ctx,
  vm: VmNode,
  machine: MachineInfo,
  ids: IdAllocator,
  p2p: ReadonlyMap<string, P2pPlan>,
  hubs: ReadonlyMap<string, HubPlan>,
): VmNetworking {
  const s: VmScope = {
    ctx,
    vm,
    machine,
    ids,
    p2p,
    hubs,
    argv: [],
    emittedHubs: new Set(),
    backends: [],
    nics: [],
    shareMem: false,
  };
  vm.nics.forEach((nic, i) => emitNic(s, nic, i, nicBackend(s, nic, i)));
  return { argv: s.argv, shareMem: s.shareMem, backends: s.backends, nics: s.nics };
}
