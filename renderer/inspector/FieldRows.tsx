import type { TopologyNode, VmNode } from '../../shared/model';
import { machinePair } from '../../shared/compiler/machine';
import { usePlan } from '../plan/usePlan';
import { useEditor } from '../store/editor';
import { Field, type FieldProps } from './Field';
import type { FieldDef } from './fields';
import { doneTyping, tryNodeField } from './tryEdit';

type Path = readonly (string | number)[];

/** The value at a path into a node (undefined past a missing step). */
export function valueAt(node: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], node);
}

/** A "run at boot" text as a list: one command a line, blank lines dropped; none is no list at all. */
function lines(text: unknown): string[] | undefined {
  const list = typeof text === 'string' ? text.split('\n').filter((l) => l.trim() !== '') : [];
  return list.length > 0 ? list : undefined;
}

function fieldProps(node: TopologyNode, f: FieldDef, path: Path): FieldProps {
  const value = valueAt(node, path);
  return {
    label: f.label,
    name: path.join('.'),
    type: f.type,
    value: f.codec === 'lines' ? ((value as string[] | undefined) ?? []).join('\n') : value,
    optional: f.optional ?? false,
    ...(f.options ? { options: f.options } : {}),
    ...(f.placeholder ? { placeholder: f.placeholder } : {}),
    ...(f.hint ? { hint: f.hint } : {}),
    onTry: (v) => tryNodeField(node, path, f.codec === 'lines' ? lines(v) : v),
    onDone: doneTyping,
  };
}

/** The NIC models this QEMU has for the VM's machine, offered as suggestions. */
function NicModelField({ vm, props }: { vm: VmNode; props: FieldProps }) {
  const pair = machinePair(vm);
  const models = useEditor((s) => s.probed?.probe.nicModels[pair]);
  return (
    <Field
      {...props}
      suggestions={['virtio', ...(models ?? [])]}
      {...(models?.length ? { hint: `${models.length} models in this QEMU for ${pair}` } : {})}
    />
  );
}

/** The MAC the compiler derived for a NIC left `auto`, as the plan states it. */
function DerivedMacField({ vm, nic, props }: { vm: VmNode; nic: string; props: FieldProps }) {
  const result = usePlan();
  const derived = result?.ok
    ? result.plan.vms.find((v) => v.node === vm.id)?.nics.find((n) => n.nic === nic)?.mac
    : undefined;
  return <Field {...props} {...(props.value === 'auto' && derived ? { hint: `auto: ${derived}` } : {})} />;
}

/** Fields of the table at `base` in a node (the node itself, a list's row, a sub-form), each tried with the schema. */
export function FieldRows({
  node,
  base = [],
  fields,
}: {
  node: TopologyNode;
  base?: Path;
  fields: readonly FieldDef[];
}) {
  return (
    <>
      {fields.map((f) => {
        const path = [...base, ...f.path];
        const props = fieldProps(node, f, path);
        const key = `${node.id}/${props.name}`;
        if (f.live === 'nic-models') return <NicModelField key={key} vm={node as VmNode} props={props} />;
        if (f.live === 'derived-mac') {
          const nic = String(valueAt(node, [...base, 'id']));
          return <DerivedMacField key={key} vm={node as VmNode} nic={nic} props={props} />;
        }
        return <Field key={key} {...props} />;
      })}
    </>
  );
}
