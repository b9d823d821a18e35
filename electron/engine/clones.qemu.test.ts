import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LabPlan } from '../../shared/compiler/plan';
import type { Target } from '../../shared/compiler/target';
import { exportLab, runScript } from '../testkit/exportedLab';
import { deleteNetns } from '../testkit/netns';
import { killPids, processesMentioning } from '../testkit/procs';
import { leftovers, NO_KVM, planOf, RUN, testTarget, topologyOf } from '../testkit/lab';
import { LabRunner } from './lab';

/*
 * Linked clones on real qemu-img and QEMU: a guest's disk with `clone` opens a qcow2 overlay of its image that the
 * lab makes in its state directory at launch; `keep` leaves it for the next launch, `discard` removes it at stop.
 * The engine and the exported up.sh/down.sh do the same. Each lab runs in a network namespace of its own.
 */

let base: string;
let target: Target;
let image: string;
const live: { runner: LabRunner; plan: LabPlan }[] = [];

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'qnet-clone-'));
  target = testTarget(base);
  image = join(base, 'images', 'base.qcow2');
  mkdirSync(join(base, 'images'));
  const made = spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '8M'], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

afterEach(async () => {
  for (const { runner, plan } of live.splice(0)) {
    await runner.dispose();
    killPids(processesMentioning(plan.stateDir).map((p) => p.pid));
    if (plan.netns) deleteNetns(plan.netns);
    expect(leftovers(plan), `left behind by ${plan.lab}`).toEqual([]);
  }
});

function cloneLab(name: string, path: string): LabPlan {
  return planOf(
    topologyOf(`version: 2
name: ${name}-${RUN}
nodes:
  - id: pc
    kind: vm
    memory: 64
    disks:
      - { path: ${JSON.stringify(path)}, format: qcow2, clone: keep }
      - { path: ${JSON.stringify(path)}, format: qcow2, clone: discard }
    nics: [{ id: eth0 }]
  - { id: sw, kind: hub }
links:
  - { a: pc:eth0, b: sw }
`),
    target,
  );
}

/** What qemu-img says of an image QEMU may hold open (-U: without taking its lock). */
function info(path: string): { format: string; 'backing-filename'?: string; 'backing-filename-format'?: string } {
  const r = spawnSync('qemu-img', ['info', '-U', '--output=json', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { format: string };
}

function runner(plan: LabPlan): LabRunner {
  const r = new LabRunner({ plan, preflightEnv: { kvm: NO_KVM }, stopTimeouts: { powerdownMs: 300 } });
  live.push({ runner: r, plan });
  return r;
}

describe('linked clones', () => {
  it('the engine makes each overlay at launch, keeps one and discards the other at stop, and reuses the kept one', async () => {
    const plan = cloneLab('clone', image);
    const [kept, dropped] = (plan.vms[0]?.disks ?? []).map((d) => d.overlay!.path);
    const baseTime = statSync(image).mtimeMs;
    const lab = runner(plan);
    const r = await lab.launch();
    if (!r.ok) throw new Error(r.error.message);
    for (const overlay of [kept!, dropped!]) {
      expect(info(overlay)).toMatchObject({
        format: 'qcow2',
        'backing-filename': image,
        'backing-filename-format': 'qcow2',
      });
    }
    // QEMU opens the overlays, not the image.
    const qemu = processesMentioning(plan.stateDir).find((p) => p.argv[0]?.startsWith('qemu-system'));
    expect(qemu?.argv.join(' ')).toContain(`file=${kept},if=virtio,format=qcow2,node-name=disk0`);
    expect(await lab.stop()).toEqual({ ok: true });
    expect(existsSync(kept!)).toBe(true);
    expect(existsSync(dropped!)).toBe(false);
    const inode = statSync(kept!).ino;

    const again = runner(plan);
    const r2 = await again.launch();
    if (!r2.ok) throw new Error(r2.error.message);
    expect(statSync(kept!).ino).toBe(inode);
    expect(again.logs().map((l) => l.message)).toContain(`pc: using its kept linked clone ${kept} (of ${image})`);
    expect(await again.stop()).toEqual({ ok: true });
    expect(statSync(image).mtimeMs).toBe(baseTime);
    rmSync(kept!);
  });

  it('a missing base image is refused before anything starts, naming the guest and the path', async () => {
    const missing = join(base, 'images', 'gone.qcow2');
    const plan = cloneLab('nobase', missing);
    const lab = runner(plan);
    const r = await lab.launch();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('PREFLIGHT_FAILED');
    expect(r.error.message).toContain(`pc: the disk image ${missing} does not exist`);
    expect(readdirSync(plan.stateDir).filter((f) => f.endsWith('.qcow2'))).toEqual([]);
  });

  it('a kept clone whose image path changed is refused, naming both images and the two ways on; the rebase it names works', async () => {
    const moved = join(base, 'images', 'moved.qcow2');
    const made = spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', moved, '8M'], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const before = cloneLab('rebase', image);
    const kept = before.vms[0]!.disks![0]!.overlay!;
    mkdirSync(before.stateDir, { recursive: true, mode: 0o700 });
    // The kept clone as an earlier launch left it: the plan's own qemu-img create over the first image.
    const first = spawnSync(kept.create[0]!, kept.create.slice(1), { encoding: 'utf8' });
    expect(first.status, first.stderr).toBe(0);
    const inode = statSync(kept.path).ino;

    const plan = cloneLab('rebase', moved);
    const lab = runner(plan);
    const r = await lab.launch();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toContain(`pc: its kept linked clone ${kept.path} was made from ${image}, not ${moved}`);
    const rebase = `qemu-img rebase -u -F qcow2 -b ${moved} ${kept.path}`;
    expect(r.error.message).toContain(rebase);
    expect(r.error.message).toContain(`rm ${kept.path}`);
    // Nothing of the clone changed, and no guest started.
    expect(statSync(kept.path).ino).toBe(inode);
    expect(info(kept.path)['backing-filename']).toBe(image);
    expect(processesMentioning(plan.stateDir).filter((p) => p.argv[0]?.startsWith('qemu-system'))).toEqual([]);

    // The exported up.sh refuses the same clone the same way, before it starts anything.
    const states = join(base, 'rebase-state');
    mkdirSync(join(states, plan.lab), { recursive: true, mode: 0o700 });
    const copy = join(states, plan.lab, 'pc.disk0.qcow2');
    const seeded = spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', image, copy], {
      encoding: 'utf8',
    });
    expect(seeded.status, seeded.stderr).toBe(0);
    const sh = exportLab(plan, join(base, 'export-rebase'));
    const up = runScript(sh.up, ['--state-dir', states]);
    expect(up.status, up.output).not.toBe(0);
    expect(up.output).toContain(`pc: its kept linked clone ${copy} was made from another image than ${moved}`);
    expect(info(copy)['backing-filename']).toBe(image);
    runScript(sh.down, ['--state-dir', states]);

    // The image was moved, not replaced: the rebase the message names keeps the clone, and the launch uses it.
    const fixed = spawnSync('sh', ['-c', rebase], { encoding: 'utf8' });
    expect(fixed.status, fixed.stderr).toBe(0);
    const again = runner(plan);
    const r2 = await again.launch();
    if (!r2.ok) throw new Error(r2.error.message);
    expect(statSync(kept.path).ino).toBe(inode);
    expect(again.logs().map((l) => l.message)).toContain(`pc: using its kept linked clone ${kept.path} (of ${moved})`);
    expect(await again.stop()).toEqual({ ok: true });
    rmSync(kept.path);
  });

  it('the exported up.sh makes the overlays and down.sh discards only the one to discard', () => {
    const plan = cloneLab('clonesh', image);
    const lab = exportLab(plan, join(base, 'export'));
    const states = join(base, 'sh-state');
    const up = runScript(lab.up, ['--state-dir', states]);
    try {
      expect(up.status, up.output).toBe(0);
      const dir = join(states, plan.lab);
      const kept = join(dir, 'pc.disk0.qcow2');
      const dropped = join(dir, 'pc.disk1.qcow2');
      expect(info(kept)['backing-filename']).toBe(image);
      expect(info(dropped)['backing-filename']).toBe(image);
      const down = runScript(lab.down, ['--state-dir', states]);
      expect(down.status, down.output).toBe(0);
      expect(existsSync(kept)).toBe(true);
      expect(existsSync(dropped)).toBe(false);

      // The next up.sh takes the kept clone as it is (qemu-img says it is of the same image): the same file, with
      // what was written to it (as a guest would have) still there.
      const wrote = spawnSync('qemu-io', ['-f', 'qcow2', '-c', 'write -q -P 0x5a 0 64k', kept], { encoding: 'utf8' });
      expect(wrote.status, wrote.stderr).toBe(0);
      const inode = statSync(kept).ino;
      const again = runScript(lab.up, ['--state-dir', states]);
      expect(again.status, again.output).toBe(0);
      expect(statSync(kept).ino).toBe(inode);
      expect(info(kept)['backing-filename']).toBe(image);
      // A third up.sh while it runs is told the lab is up, not that the clone QEMU holds locked is unreadable.
      const twice = runScript(lab.up, ['--state-dir', states]);
      expect(twice.status, twice.output).not.toBe(0);
      expect(twice.output).toContain('this lab is (partly) up already');
      expect(twice.output).not.toContain('could not read its kept linked clone');
      const down2 = runScript(lab.down, ['--state-dir', states]);
      expect(down2.status, down2.output).toBe(0);
      expect(statSync(kept).ino).toBe(inode);
      const read = spawnSync('qemu-io', ['-f', 'qcow2', '-c', 'read -q -P 0x5a 0 64k', kept], { encoding: 'utf8' });
      expect(read.status, read.stderr).toBe(0);
      expect(read.stdout + read.stderr).not.toMatch(/mismatch|fail/i);

      // Missing base: up.sh says which guest and which file, and starts nothing.
      const gone = join(base, 'images', 'gone.qcow2');
      const other = exportLab(cloneLab('noshbase', gone), join(base, 'export2'));
      const refused = runScript(other.up, ['--state-dir', states]);
      expect(refused.status).not.toBe(0);
      expect(refused.output).toContain(`pc: the disk image ${gone} (the base of its linked clone) does not exist`);
    } finally {
      runScript(lab.down, ['--state-dir', states]);
      if (plan.netns) deleteNetns(plan.netns);
    }
  });
});
