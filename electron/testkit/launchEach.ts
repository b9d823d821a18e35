/**
 * An engine in a process of its own, run by the identity test inside a namespace of its own: launches each lab it
 * is given in turn (its trust approved), lists the argv every guest was started with (the stand-in QEMU on its PATH
 * records them), then stops the lab. The engine probes this host itself, with two answers given as a test gives
 * them: KVM's, and a tiny guest QEMU accepts.
 * argv: KVM_USABLE(yes|no) GUEST_KERNEL GUEST_INITRD STATE_DIR RECORD_DIR (FILE ISOLATION)…, each file with the
 * isolation the page compiled it for (what the page's Launch sends).
 * Prints one JSON line per file: {file, ok, argv, error?}.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Isolation } from '../../shared/compiler/plan';
import { loadTopology } from '../../shared/model/index';
import { createEngine } from '../engine/engine';
import { fileTrustStore, topologyDigest } from '../engine/trust';

const [usable, kernel, initrd, stateDir, recordDir, ...pairs] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  ...string[],
];
const files = pairs.flatMap((p, i) => (i % 2 === 0 ? [{ file: p, isolation: pairs[i + 1] as Isolation }] : []));
const guest = { kernel, initrd };
const engine = createEngine({
  defaults: { stateDir },
  kvm: { usable: usable === 'yes', reason: 'the identity test' },
  tinyGuest: { x86_64: guest, aarch64: guest },
  trust: fileTrustStore(join(stateDir, 'trusted.json')),
  runner: { stopTimeouts: { powerdownMs: 2_000 } },
});

const recorded = (): string[][] =>
  readdirSync(recordDir).map((f) => {
    const argv = JSON.parse(readFileSync(join(recordDir, f), 'utf8')) as string[];
    rmSync(join(recordDir, f));
    return argv;
  });

for (const { file, isolation } of files) {
  const text = readFileSync(file, 'utf8');
  const loaded = loadTopology(text, file);
  const trust = loaded.ok ? topologyDigest(loaded.topology) : undefined;
  const r = await engine.request({
    type: 'launch',
    source: { kind: 'yaml', text, path: file },
    // As the page's Launch does (renderer/lab/labActions.ts launchOptions): it sends the isolation its target was
    // compiled for (assembleTarget's choice for the document unless the user chose another).
    options: { isolation, ...(trust ? { trust } : {}) },
  });
  const argv = recorded();
  let error = r.ok ? undefined : r.error.message;
  if (r.ok) {
    const stopped = await engine.request({ type: 'stop', lab: r.lab });
    if (!stopped.ok) error = `stop: ${stopped.error.message}`;
  }
  process.stdout.write(`${JSON.stringify({ file, ok: error === undefined, argv, ...(error ? { error } : {}) })}\n`);
}
await engine.dispose();
