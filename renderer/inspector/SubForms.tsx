import type { Boot, VdeNode, VmNode } from '../../shared/model';
import { useEngineDir } from '../api/client';
import { Field } from './Field';
import { FieldRows } from './FieldRows';
import { BOOT_FORMS, BOOT_SEEDS, SLIRP_FIELDS, SLIRP_SEED } from './listFields';
import { ListEditor } from './ListEditor';
import { doneTyping, tryNodeField } from './tryEdit';

/** Where a relative boot path is read from: QEMU runs in the engine's working directory. */
function BootPathBase() {
  const dir = useEngineDir((s) => s.dir);
  return (
    <p className="muted" data-testid="inspector__boot-base">
      A relative path is opened from {dir ? <code>{dir}</code> : "the engine's working directory"}, where the engine
      starts QEMU; an absolute path reads the same wherever the file is opened.
    </p>
  );
}

/** How a VM boots: the form of its boot type (BOOT_FORMS); switching the type starts from that type's seed. */
export function BootEditor({ vm }: { vm: VmNode }) {
  const form = BOOT_FORMS[vm.boot.type];
  return (
    <div className="list" data-testid="inspector__boot">
      <h3>Boot</h3>
      <Field
        label="Boot from"
        name="boot.type"
        type="select"
        options={Object.keys(BOOT_SEEDS)}
        value={vm.boot.type}
        onTry={(v) => (v === vm.boot.type ? null : tryNodeField(vm, ['boot'], BOOT_SEEDS[v as Boot['type']]))}
        onDone={doneTyping}
      />
      {form.note ? <p className="muted">{form.note}</p> : null}
      {form.paths ? <BootPathBase /> : null}
      <FieldRows node={vm} base={['boot']} fields={form.fields} />
      {form.lists.map((l) => (
        <ListEditor key={l.path.join('.')} node={vm} base={['boot']} def={l} />
      ))}
    </div>
  );
}

/** slirpvde on a VDE switch: NAT to the outside and DHCP, its fields shown while it is on. */
export function SlirpEditor({ vde }: { vde: VdeNode }) {
  return (
    <div className="list" data-testid="inspector__slirp">
      <h3>slirpvde</h3>
      <Field
        label="Run slirpvde (NAT and DHCP)"
        name="slirp"
        type="checkbox"
        value={vde.slirp !== undefined}
        onTry={(v) => tryNodeField(vde, ['slirp'], v ? SLIRP_SEED : undefined)}
        onDone={doneTyping}
      />
      {vde.slirp ? <FieldRows node={vde} base={['slirp']} fields={SLIRP_FIELDS} /> : null}
    </div>
  );
}
