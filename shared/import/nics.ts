/** The NICs of a command line in the drawing: their ids, models resolved as QEMU would, MACs and properties. */
import { frontendModel, machineInfo } from '../compiler/machine';
import { Mac, Nic, type VmNode } from '../model/schema';
import type { Frontend } from './netparse';
import { concreteNicModel } from './nicmodel';
import type { QemuCommand } from './qemuargv';
import type { Reporter } from './report';

const ID = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

/**
 * NIC ids: the frontend's own id where it is a valid one (without the `nic-`/`net-` prefix this app's compiler
 * adds, so an exported script reads back to its drawing), else eth0, eth1, … in order.
 */
export function nicNames(nics: readonly Frontend[]): string[] {
  const used = new Set<string>();
  const names = nics.map((fe) => {
    const own = fe.id?.replace(fe.onboard ? /^net-/ : /^nic-/, '');
    if (own === undefined || !ID.test(own) || used.has(own)) return undefined;
    used.add(own);
    return own;
  });
  let k = 0;
  return names.map((n) => {
    if (n !== undefined) return n;
    while (used.has(`eth${k}`)) k++;
    used.add(`eth${k}`);
    return `eth${k}`;
  });
}

/** The NIC of a frontend: its model resolved as QEMU would, MAC, more properties, and form. */
export function nicOf(
  fe: Frontend,
  nicId: string,
  cmd: QemuCommand,
  vm: VmNode,
  report: Reporter,
): Record<string, unknown> {
  const m = machineInfo(vm);
  const where = fe.arg.value ?? fe.arg.word;
  let model = concreteNicModel(fe.driver, fe.onboard, cmd.arch, m.type);
  if (model === null) {
    report.add(
      'IMPORT_NIC_MODEL_DEFAULT',
      `${vm.id}: the default NIC model of machine ${m.type} is not known here, so the NIC is made virtio; name the model QEMU uses`,
      where,
      0,
      [vm.id],
    );
    model = 'virtio';
  }
  if (!Nic.shape.model.safeParse(model).success) {
    report.add('IMPORT_BAD_VALUE', `${vm.id}: "${model}" is not a NIC model name; the NIC is made virtio`, where, 0, [
      vm.id,
    ]);
    model = 'virtio';
  }
  if (model !== 'virtio' && model === frontendModel('virtio', m)) model = 'virtio';
  const nic: Record<string, unknown> = { id: nicId, model };
  if (fe.mac) {
    if (Mac.safeParse(fe.mac.value).success) nic.mac = fe.mac.value.toLowerCase();
    else
      report.add(
        'IMPORT_BAD_VALUE',
        `${vm.id}: "${fe.mac.value}" is not a MAC address (like 52:54:00:12:34:56); the NIC gets one of the lab's`,
        where,
        fe.mac.at,
        [vm.id],
      );
  }
  const props: Record<string, string | string[]> = {};
  for (const p of fe.props) {
    const prev = props[p.key];
    props[p.key] = prev === undefined ? p.value : Array.isArray(prev) ? [...prev, p.value] : [prev, p.value];
  }
  if (Object.keys(props).length > 0) {
    if (Nic.shape.properties.safeParse(props).success) nic.properties = props;
    else
      report.add(
        'IMPORT_LOST',
        `${vm.id}: the NIC's properties ${Object.keys(props).join(', ')} cannot be kept (a name QEMU would not take)`,
        where,
        0,
        [vm.id],
      );
  }
  nic.form = fe.onboard && Object.keys(props).length === 0 ? 'nic' : 'device';
  return nic;
}
