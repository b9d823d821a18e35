import { linkId } from '../../shared/model';
import type { HostNode, NatNode, VmNode } from '../../shared/model';
import { machinePair } from '../../shared/compiler/machine';
import { newNic } from '../doc/factory';
import { usePlan } from '../plan/usePlan';
import { editor, useEditor } from '../store/editor';
import { discoveredToAdd, interfaceOf } from './discovered';
import { StringList } from './editors';
import { Field } from './Field';
import { doneTyping, tryNodeField } from './tryEdit';

function replace(node: VmNode | NatNode | HostNode, next: VmNode | NatNode | HostNode) {
  editor.getState().dispatch([{ type: 'replace-node', id: node.id, node: next }]);
}

/** The MAC the compiler derived for a NIC (`auto`), as the plan states it. */
function useDerivedMac(vm: string, nic: string): string | undefined {
  const result = usePlan();
  if (!result?.ok) return undefined;
  return result.plan.vms.find((v) => v.node === vm)?.nics.find((n) => n.nic === nic)?.mac ?? undefined;
}

function NicRow({ vm, index }: { vm: VmNode; index: number }) {
  const nic = vm.nics[index]!;
  const derived = useDerivedMac(vm.id, nic.id);
  const pair = machinePair(vm);
  const models = useEditor((s) => s.probed?.probe.nicModels[pair]);
  const f = (key: string) => `nics.${index}.${key}`;
  const on = (key: string) => (v: unknown) => tryNodeField(vm, ['nics', index, key], v);
  return (
    <fieldset className="nic" data-testid={`inspector__nic__${nic.id}`}>
      <legend>
        {nic.id}
        <button
          type="button"
          className="link-button"
          data-testid={`inspector__remove-nic__${nic.id}`}
          title="Remove this NIC (and its link)"
          onClick={() => {
            const s = editor.getState();
            const port = `${vm.id}:${nic.id}`;
            const links = s.doc.links.flatMap((l, i) => (l.a === port || l.b === port ? [linkId(l, i)] : []));
            s.dispatch([
              { type: 'replace-node', id: vm.id, node: { ...vm, nics: vm.nics.filter((_, i) => i !== index) } },
              { type: 'remove', nodes: [], links },
            ]);
          }}
        >
          remove
        </button>
      </legend>
      <Field
        label="Model"
        name={f('model')}
        type="text"
        value={nic.model}
        suggestions={['virtio', ...(models ?? [])]}
        hint={models?.length ? `${models.length} models in this QEMU for ${pair}` : undefined}
        onTry={on('model')}
        onDone={doneTyping}
      />
      <Field
        label="MAC"
        name={f('mac')}
        type="text"
        value={nic.mac}
        hint={nic.mac === 'auto' && derived ? `auto: ${derived}` : undefined}
        onTry={on('mac')}
        onDone={doneTyping}
      />
      <Field
        label="Form"
        name={f('form')}
        type="select"
        options={['device', 'nic']}
        value={nic.form}
        onTry={on('form')}
        onDone={doneTyping}
      />
      <Field
        label="Guest IP"
        name={f('ip')}
        type="text"
        optional
        placeholder="10.0.0.1/24 or dhcp"
        value={nic.ip}
        onTry={on('ip')}
        onDone={doneTyping}
      />
      <Field
        label="Gateway"
        name={f('gateway')}
        type="text"
        optional
        value={nic.gateway}
        onTry={on('gateway')}
        onDone={doneTyping}
      />
    </fieldset>
  );
}

/** A VM's NICs: each one a port on the canvas. */
export function NicList({ vm }: { vm: VmNode }) {
  return (
    <div className="list">
      <h3>NICs</h3>
      {vm.nics.map((nic, i) => (
        <NicRow key={nic.id} vm={vm} index={i} />
      ))}
      <button
        type="button"
        data-testid="inspector__add-nic"
        disabled={vm.nics.length >= 32}
        onClick={() => replace(vm, { ...vm, nics: [...vm.nics, newNic(vm)] })}
      >
        Add NIC
      </button>
    </div>
  );
}

/** A NAT network's host port forwards. */
export function HostfwdList({ nat }: { nat: NatNode }) {
  return (
    <div className="list">
      <h3>Host port forwards</h3>
      {nat.hostfwd.map((fwd, i) => {
        const on = (key: string) => (v: unknown) => tryNodeField(nat, ['hostfwd', i, key], v);
        const f = (key: string) => `hostfwd.${i}.${key}`;
        return (
          <fieldset className="nic" key={i} data-testid={`inspector__hostfwd__${i}`}>
            <legend>
              forward {i + 1}
              <button
                type="button"
                className="link-button"
                onClick={() => replace(nat, { ...nat, hostfwd: nat.hostfwd.filter((_, j) => j !== i) })}
              >
                remove
              </button>
            </legend>
            <Field
              label="Protocol"
              name={f('proto')}
              type="select"
              options={['tcp', 'udp']}
              value={fwd.proto}
              onTry={on('proto')}
              onDone={doneTyping}
            />
            <Field
              label="Host address"
              name={f('hostAddr')}
              type="text"
              value={fwd.hostAddr}
              onTry={on('hostAddr')}
              onDone={doneTyping}
            />
            <Field
              label="Host port"
              name={f('hostPort')}
              type="number"
              value={fwd.hostPort}
              onTry={on('hostPort')}
              onDone={doneTyping}
            />
            <Field
              label="Guest address"
              name={f('guestAddr')}
              type="text"
              optional
              placeholder="the first DHCP address"
              value={fwd.guestAddr}
              onTry={on('guestAddr')}
              onDone={doneTyping}
            />
            <Field
              label="Guest port"
              name={f('guestPort')}
              type="number"
              value={fwd.guestPort}
              onTry={on('guestPort')}
              onDone={doneTyping}
            />
          </fieldset>
        );
      })}
      <button
        type="button"
        data-testid="inspector__add-hostfwd"
        onClick={() =>
          replace(nat, {
            ...nat,
            hostfwd: [...nat.hostfwd, { proto: 'tcp', hostAddr: '127.0.0.1', hostPort: 2222, guestPort: 22 }],
          })
        }
      >
        Add port forward
      </button>
    </div>
  );
}

/** The host's interfaces: each one a port that can uplink a bridge; the machine's own can be added as discovered. */
export function InterfaceList({ host }: { host: HostNode }) {
  const discovered = discoveredToAdd(
    host,
    useEditor((s) => s.probed?.probe.hostInterfaces),
  );
  return (
    <div className="list">
      <h3>Interfaces</h3>
      {discovered.length ? (
        <div className="discovered" data-testid="inspector__discovered">
          <span className="field__hint">On this machine:</span>
          {discovered.map((d) => (
            <button
              key={d.name}
              type="button"
              className="link-button"
              data-testid={`inspector__discovered__${d.name}`}
              title={d.addresses.join(', ') || 'no address'}
              onClick={() => replace(host, { ...host, interfaces: [...host.interfaces, interfaceOf(d)] })}
            >
              add {d.name}
              {d.wireless ? ' (wireless)' : ''}
            </button>
          ))}
        </div>
      ) : null}
      {host.interfaces.map((itf, i) => (
        <fieldset className="nic" key={i}>
          <legend>
            {itf.name}
            <button
              type="button"
              className="link-button"
              onClick={() => replace(host, { ...host, interfaces: host.interfaces.filter((_, j) => j !== i) })}
            >
              remove
            </button>
          </legend>
          <Field
            label="Name"
            name={`interfaces.${i}.name`}
            type="text"
            value={itf.name}
            onTry={(v) => tryNodeField(host, ['interfaces', i, 'name'], v)}
            onDone={doneTyping}
          />
          <Field
            label="Wireless"
            name={`interfaces.${i}.wireless`}
            type="checkbox"
            value={itf.wireless}
            onTry={(v) => tryNodeField(host, ['interfaces', i, 'wireless'], v)}
            onDone={doneTyping}
          />
          <StringList
            node={host}
            path={['interfaces', i, 'addresses']}
            title="Addresses"
            placeholder="192.168.1.10/24"
          />
        </fieldset>
      ))}
      <button
        type="button"
        onClick={() => {
          const used = new Set(host.interfaces.map((x) => x.name));
          let n = 0;
          while (used.has(`eth${n}`)) n++;
          replace(host, {
            ...host,
            interfaces: [...host.interfaces, { name: `eth${n}`, wireless: false, addresses: [] }],
          });
        }}
      >
        Add interface
      </button>
    </div>
  );
}
