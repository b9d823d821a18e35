import { memo, useState } from 'react';
import { shellLine } from '../../shared/emit';
import { usePlan } from '../plan/usePlan';

function CopyLine({ argv, testid }: { argv: readonly string[]; testid: string }) {
  const [copied, setCopied] = useState(false);
  const line = shellLine(argv);
  return (
    <div className="cmd">
      <pre className="cmd__line" data-testid={testid} data-argv={JSON.stringify(argv)}>
        {line}
      </pre>
      <button
        type="button"
        className="cmd__copy"
        title="Copy the command line"
        onClick={() => {
          void navigator.clipboard?.writeText(line).then(() => setCopied(true));
          setTimeout(() => setCopied(false), 1500);
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

/** The exact command lines of the lab: host setup, switches, one QEMU per VM, teardown; recompiled on every edit. */
export const Commands = memo(function Commands() {
  const result = usePlan();
  if (!result) return <div className="muted">Waiting for the server's target…</div>;
  if (!result.ok) return <div className="problem severity-error">The compiler failed: {result.error}</div>;
  const plan = result.plan;
  const undo = [...plan.hostSteps].reverse().filter((s) => s.undo);
  return (
    <div className="commands" data-testid="commands">
      <p className="commands__summary">
        Lab <code>{plan.lab}</code>: needs privilege <strong data-testid="commands__privilege">{plan.privilege}</strong>; state in <code>{plan.stateDir}</code>
        {plan.netns ? (
          <>
            ; in network namespace <code>{plan.netns}</code>
          </>
        ) : null}
      </p>
      {plan.hostSteps.length ? (
        <section data-testid="commands__setup">
          <h3>Host setup</h3>
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
          <h3>Host teardown</h3>
          {undo.map((s, i) => (
            <CopyLine key={s.id} argv={s.undo!} testid={`commands__teardown__${i}`} />
          ))}
        </section>
      ) : null}
    </div>
  );
});
