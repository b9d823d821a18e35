import { memo, useState } from 'react';
import { hostNote, usernsNote } from '../../shared/compiler/enter';
import { hostNetworkUses } from '../../shared/compiler/isolation';
import { shellLine } from '../../shared/emit';
import { errorCount, setupText, teardownSteps, teardownText } from '../plan/commandText';
import { chooseQemu } from '../plan/chooseQemu';
import { useTargetOptions } from '../plan/targetOptions';
import { QemuSetting } from './QemuSetting';
import { usePlan } from '../plan/usePlan';
import { useEditor } from '../store/editor';

/** Copies text: the async clipboard API, else (no permission, not a secure context) a selected textarea. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the textarea
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
  }
}

function CopyButton({ text, testid, title }: { text: string; testid: string; title: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      className="cmd__copy"
      title={title}
      data-testid={testid}
      data-copied={state}
      onClick={() => {
        void copyText(text).then((ok) => {
          setState(ok ? 'copied' : 'failed');
          setTimeout(() => setState('idle'), 1500);
        });
      }}
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}
    </button>
  );
}

function CopyLine({ argv, testid }: { argv: readonly string[]; testid: string }) {
  const line = shellLine(argv);
  return (
    <div className="cmd">
      <pre className="cmd__line" data-testid={testid} data-argv={JSON.stringify(argv)}>
        {line}
      </pre>
      <CopyButton text={line} testid={`${testid}__copy`} title="Copy the command line" />
    </div>
  );
}

/** The compile target the page asks for (like `qnet compile --privilege/--netns`), changeable here. */
function TargetBar({ isolation }: { readonly isolation: string }) {
  // The server's own target, which the page's options override.
  const base = useEditor((s) => s.probed?.target);
  const options = useTargetOptions((s) => s.options);
  const set = useTargetOptions((s) => s.set);
  if (!base) return null;
  const changed = Object.keys(options).length > 0;
  return (
    <div
      className="commands__target"
      data-testid="commands__target"
      style={{ display: 'flex', gap: 12, alignItems: 'center', flexWrap: 'wrap' }}
    >
      <label style={{ display: 'flex', gap: 6, alignItems: 'center' }}>
        Run as{' '}
        <select
          data-testid="commands__target__privilege"
          value={options.privilege ?? base.privilege}
          onChange={(e) => set('privilege', e.target.value === base.privilege ? undefined : e.target.value)}
        >
          <option value="root">root</option>
          <option value="helper">helper (qemu-bridge-helper)</option>
          <option value="user">user</option>
        </select>
      </label>{' '}
      <label style={{ display: 'flex', gap: 6, alignItems: 'center' }}>
        Network{' '}
        <select
          data-testid="commands__target__isolation"
          value={options.isolation ?? isolation}
          onChange={(e) =>
            set('isolation', e.target.value === isolation && !options.isolation ? undefined : e.target.value)
          }
        >
          <option value="userns">in its own namespace (no root)</option>
          <option value="netns">in a namespace root makes</option>
          <option value="host">on the host</option>
        </select>
      </label>{' '}
      <QemuSetting />{' '}
      {options.stateDir ? (
        <span>
          state dir <code data-testid="commands__target__stateDir">{options.stateDir}</code>
        </span>
      ) : null}{' '}
      {changed ? (
        <button
          type="button"
          className="link-button"
          data-testid="commands__target__reset"
          onClick={() => {
            // The server's own QEMU is probed again before the page compiles for it.
            const back = options.qemu === undefined ? Promise.resolve(null) : chooseQemu(undefined);
            void back.then(() => useTargetOptions.getState().reset());
          }}
        >
          use the server's target
        </button>
      ) : null}
    </div>
  );
}

/** The exact command lines of the lab: host setup, switches, one QEMU per VM, teardown; recompiled on every edit. */
export const Commands = memo(function Commands() {
  const result = usePlan();
  const doc = useEditor((s) => s.doc);
  if (!result) return <div className="muted">Waiting for the server's target…</div>;
  if (!result.ok) return <div className="problem severity-error">The compiler failed: {result.error}</div>;
  const plan = result.plan;
  const undo = teardownSteps(plan);
  const errors = errorCount(plan);
  return (
    <div className="commands" data-testid="commands" data-errors={errors}>
      <TargetBar isolation={plan.target.isolation} />
      <p className="commands__summary">
        Lab <code data-testid="commands__lab">{plan.lab}</code>: needs privilege{' '}
        <strong data-testid="commands__privilege">{plan.privilege}</strong>; state in <code>{plan.stateDir}</code>
        {plan.netns ? (
          <>
            ; in network namespace <code>{plan.netns}</code>
          </>
        ) : null}
        {plan.target.isolation === 'userns' ? (
          <span data-testid="commands__rootless">
            ; in a user + network namespace of its own:{' '}
            {plan.privilege === 'user' ? 'no root needed' : `${plan.privilege} still needed`}, nothing changes on the
            host
          </span>
        ) : null}
      </p>
      {plan.target.isolation === 'userns' ? (
        // What runs is these lines inside the lab's namespaces: said once here rather than as a prefix on every line,
        // since the holder's pid is known only at launch and the lines stay the plan's argv (qnet compile --json's).
        <p className="commands__userns" data-testid="commands__userns">
          This lab {usernsNote(shellLine)}.
        </p>
      ) : null}
      {plan.target.isolation === 'host' && hostNetworkUses(doc).length > 0 ? (
        <p className="commands__host" data-testid="commands__host">
          This lab {hostNote(hostNetworkUses(doc))}.
        </p>
      ) : null}
      {errors ? (
        <p className="problem severity-error" role="status" data-testid="commands__errors">
          <span className="problem__severity">error</span>
          {errors === 1 ? '1 problem' : `${errors} problems`} in the Problems panel: this lab will not start as it is.
        </p>
      ) : null}
      {plan.hostSteps.length ? (
        <section data-testid="commands__setup">
          <h3>
            Host setup{' '}
            <CopyButton text={setupText(plan)} testid="commands__setup__copy" title="Copy every setup step" />
          </h3>
          {plan.hostSteps.map((s, i) => (
            <div key={s.id}>
              <div className="cmd__what">
                {s.description}
                {s.needsRoot ? <span className="tag">root</span> : null}
                {s.inNetns ? <span className="tag">netns</span> : null}
              </div>
              <CopyLine argv={s.argv} testid={`commands__setup__${i}`} />
            </div>
          ))}
        </section>
      ) : null}
      {plan.processes
        .filter((p) => p.kind !== 'vm')
        .map((p) => (
          <section key={p.id}>
            <h3>
              {p.kind} for {p.node}
            </h3>
            <CopyLine argv={p.argv} testid={`commands__process__${p.id}`} />
          </section>
        ))}
      {plan.vms.map((vm) => (
        <section key={vm.node} data-testid={`commands__vm__${vm.node}`}>
          <h3>VM {vm.name}</h3>
          <CopyLine argv={vm.argv} testid={`commands__argv__${vm.node}`} />
        </section>
      ))}
      {plan.vms.length === 0 ? <p className="muted">No VMs yet.</p> : null}
      {undo.length ? (
        <section data-testid="commands__teardown">
          <h3>
            Host teardown{' '}
            <CopyButton text={teardownText(plan)} testid="commands__teardown__copy" title="Copy every teardown step" />
          </h3>
          {undo.map((s, i) => (
            <CopyLine key={s.id} argv={s.undo!} testid={`commands__teardown__${i}`} />
          ))}
        </section>
      ) : null}
    </div>
  );
});
