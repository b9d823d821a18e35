import { useState } from 'react';
import { chooseQemu } from '../plan/chooseQemu';
import { useTargetOptions } from '../plan/targetOptions';
import { useEditor } from '../store/editor';

const OTHER = 'other';

/**
 * The QEMU setting: the server's own QEMU, one `qnet qemu fetch` unpacked, or any other (a self-built one) by its
 * path. The server probes the choice, so the Commands, Problems and a launch all use that QEMU.
 */
export function QemuSetting() {
  const probed = useEditor((s) => s.probed);
  const chosen = useTargetOptions((s) => s.options.qemu);
  const [other, setOther] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!probed) return null;
  const offers = probed.qemuOffers;
  const x86 = probed.probe.qemu.x86_64;
  const v = x86?.version;
  const apply = (path: string | undefined) => {
    setBusy(true);
    setError(null);
    void chooseQemu(path).then((problem) => {
      setBusy(false);
      setError(problem);
      if (!problem) setOther(null);
    });
  };
  const offered = chosen === undefined || offers.some((o) => o.path === chosen);
  const selected = other !== null || !offered ? OTHER : (chosen ?? '');
  return (
    <span className="commands__qemu" style={{ display: 'flex', gap: 6, alignItems: 'center', flexWrap: 'wrap' }}>
      <label style={{ display: 'flex', gap: 6, alignItems: 'center' }}>
        QEMU{' '}
        <select
          data-testid="commands__target__qemu"
          value={selected}
          disabled={busy}
          onChange={(e) => {
            if (e.target.value === OTHER) setOther(chosen ?? '');
            else apply(e.target.value === '' ? undefined : e.target.value);
          }}
        >
          <option value="">the server's</option>
          {offers.map((o) => (
            <option key={o.path} value={o.path}>
              {o.label}
            </option>
          ))}
          <option value={OTHER}>another (a directory or binary)…</option>
        </select>
      </label>
      {selected === OTHER ? (
        <form
          style={{ display: 'flex', gap: 6 }}
          onSubmit={(e) => {
            e.preventDefault();
            const path = (other ?? chosen ?? '').trim();
            if (path) apply(path);
          }}
        >
          <input
            data-testid="commands__target__qemu__path"
            aria-label="QEMU directory or qemu-system binary"
            placeholder="/opt/qemu or …/bin/qemu-system-x86_64"
            size={40}
            value={other ?? chosen ?? ''}
            onChange={(e) => setOther(e.target.value)}
          />
          <button type="submit" data-testid="commands__target__qemu__use" disabled={busy}>
            Use
          </button>
        </form>
      ) : null}
      <span
        className="muted"
        data-testid="commands__target__qemu__found"
        data-version={v ? `${v.major}.${v.minor}.${v.micro}` : ''}
        title={x86?.binary}
      >
        {v ? `${v.major}.${v.minor}.${v.micro}` : 'not found'}
      </span>
      {error ? (
        <span className="problem severity-error" role="alert" data-testid="commands__target__qemu__error">
          {error}
        </span>
      ) : null}
    </span>
  );
}
