import { useState } from 'react';
import type { Boot, NatNode, TopologyNode, VdeNode, VmNode } from '../../shared/model';
import { useEngineDir } from '../api/client';
import { Field } from './Field';
import { doneTyping, tryNodeField } from './tryEdit';

type Path = readonly (string | number)[];

/** A valid boot of each type to switch to; the user then edits its paths. */
export const BOOT_SEEDS: Record<Boot['type'], Boot> = {
  tiny: { type: 'tiny' },
  kernel: { type: 'kernel', kernel: 'vmlinuz' },
  disk: { type: 'disk', images: [{ path: 'disk.qcow2', format: 'qcow2', snapshot: true }] },
  cdrom: { type: 'cdrom', path: 'install.iso' },
  none: { type: 'none' },
};

/** Replaces a whole field in one undo step (a list row added or removed, a sub-form switched). */
function setWhole(node: TopologyNode, path: Path, value: unknown): void {
  tryNodeField(node, path, value);
  doneTyping();
}

function RemoveButton({ testid, onClick, title = 'Remove' }: { testid: string; onClick: () => void; title?: string }) {
  return (
    <button type="button" className="link-button" data-testid={testid} title={title} onClick={onClick}>
      remove
    </button>
  );
}

/** The commands of a "run at boot" text: one a line, blank lines dropped; none is no list at all. */
function runLines(text: unknown): string[] | undefined {
  const lines = typeof text === 'string' ? text.split('\n').filter((l) => l.trim() !== '') : [];
  return lines.length > 0 ? lines : undefined;
}

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

/** How a VM boots: the tiny guest, a kernel (+ initrd, append, dtb), disk images, a CD-ROM, or nothing. */
export function BootEditor({ vm }: { vm: VmNode }) {
  const boot = vm.boot;
  const on =
    (key: string | number, ...rest: (string | number)[]) =>
    (v: unknown) =>
      tryNodeField(vm, ['boot', key, ...rest], v);
  return (
    <div className="list" data-testid="inspector__boot">
      <h3>Boot</h3>
      <Field
        label="Boot from"
        name="boot.type"
        type="select"
        options={Object.keys(BOOT_SEEDS)}
        value={boot.type}
        onTry={(v) => (v === boot.type ? null : tryNodeField(vm, ['boot'], BOOT_SEEDS[v as Boot['type']]))}
        onDone={doneTyping}
      />
      {boot.type === 'tiny' ? (
        <>
          <p className="muted">The tiny guest built by `qnet guest build`.</p>
          <Field
            label="Run at boot (a command a line)"
            name="boot.run"
            type="multiline"
            optional
            placeholder="httpd -p 80 -h /www"
            hint="Each line runs in the background once the guest's addresses are set; its output is in /tmp/run<N>.log."
            value={(boot.run ?? []).join('\n')}
            onTry={(v) => tryNodeField(vm, ['boot', 'run'], runLines(v))}
            onDone={doneTyping}
          />
        </>
      ) : null}
      {boot.type === 'kernel' || boot.type === 'disk' || boot.type === 'cdrom' ? <BootPathBase /> : null}
      {boot.type === 'kernel' ? (
        <>
          <Field
            label="Kernel"
            name="boot.kernel"
            type="text"
            value={boot.kernel}
            onTry={on('kernel')}
            onDone={doneTyping}
          />
          <Field
            label="Initrd"
            name="boot.initrd"
            type="text"
            optional
            value={boot.initrd}
            onTry={on('initrd')}
            onDone={doneTyping}
          />
          <Field
            label="Kernel command line"
            name="boot.append"
            type="text"
            optional
            value={boot.append}
            onTry={on('append')}
            onDone={doneTyping}
          />
          <Field
            label="Device tree (dtb)"
            name="boot.dtb"
            type="text"
            optional
            value={boot.dtb}
            onTry={on('dtb')}
            onDone={doneTyping}
          />
        </>
      ) : null}
      {boot.type === 'disk' ? (
        <>
          {boot.images.map((img, i) => (
            <fieldset className="nic" key={i} data-testid={`inspector__image__${i}`}>
              <legend>
                image {i + 1}
                {boot.images.length > 1 ? (
                  <RemoveButton
                    testid={`inspector__remove-image__${i}`}
                    onClick={() =>
                      setWhole(
                        vm,
                        ['boot', 'images'],
                        boot.images.filter((_, j) => j !== i),
                      )
                    }
                  />
                ) : null}
              </legend>
              <Field
                label="Path"
                name={`boot.images.${i}.path`}
                type="text"
                value={img.path}
                onTry={on('images', i, 'path')}
                onDone={doneTyping}
              />
              <Field
                label="Format"
                name={`boot.images.${i}.format`}
                type="select"
                optional
                options={['qcow2', 'raw', 'vmdk', 'vdi']}
                value={img.format}
                onTry={on('images', i, 'format')}
                onDone={doneTyping}
              />
              <Field
                label="Snapshot (changes are thrown away)"
                name={`boot.images.${i}.snapshot`}
                type="checkbox"
                value={img.snapshot}
                onTry={on('images', i, 'snapshot')}
                onDone={doneTyping}
              />
            </fieldset>
          ))}
          <button
            type="button"
            data-testid="inspector__add-image"
            onClick={() =>
              setWhole(
                vm,
                ['boot', 'images'],
                [...boot.images, { path: `disk${boot.images.length + 1}.qcow2`, format: 'qcow2', snapshot: true }],
              )
            }
          >
            Add disk image
          </button>
        </>
      ) : null}
      {boot.type === 'cdrom' ? (
        <Field
          label="ISO image"
          name="boot.path"
          type="text"
          value={boot.path}
          onTry={on('path')}
          onDone={doneTyping}
        />
      ) : null}
    </div>
  );
}

/**
 * A list of strings (extra QEMU arguments, DNS search domains, interface addresses): each row edited in place,
 * a new one typed below and added when the schema accepts it.
 */
export function StringList({
  node,
  path,
  title,
  placeholder,
}: {
  node: TopologyNode;
  path: Path;
  title: string;
  placeholder?: string;
}) {
  const items =
    (path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)?.[k], node) as
      readonly string[] | undefined) ?? [];
  const name = path.join('.');
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const add = () => {
    const message = tryNodeField(node, [...path, items.length], draft);
    setError(message);
    doneTyping();
    if (!message) setDraft('');
  };
  return (
    <div className="list" data-testid={`inspector__list__${name}`}>
      <h3>{title}</h3>
      {items.map((item, i) => (
        <div key={i} className="string-row">
          <Field
            label={`${i + 1}`}
            name={`${name}.${i}`}
            type="text"
            value={item}
            onTry={(v) => tryNodeField(node, [...path, i], v ?? '')}
            onDone={doneTyping}
          />
          <RemoveButton
            testid={`inspector__remove__${name}.${i}`}
            onClick={() =>
              setWhole(
                node,
                path,
                items.filter((_, j) => j !== i),
              )
            }
          />
        </div>
      ))}
      <div className={`field${error ? ' field--invalid' : ''}`}>
        <input
          data-testid={`inspector__new__${name}`}
          value={draft}
          placeholder={placeholder}
          spellCheck={false}
          aria-label={`New ${title.toLowerCase()}`}
          onChange={(e) => (setDraft(e.target.value), setError(null))}
          onKeyDown={(e) => {
            if (e.key === 'Enter') add();
          }}
        />
        {error ? (
          <div className="field__error" role="alert" data-testid={`inspector__error__${name}.new`}>
            {error}
          </div>
        ) : null}
      </div>
      <button type="button" data-testid={`inspector__add__${name}`} onClick={add}>
        Add
      </button>
    </div>
  );
}

/** A NAT network's guest forwards: connections from the guest to server:port go to a chardev or a command. */
export function GuestfwdList({ nat }: { nat: NatNode }) {
  return (
    <div className="list">
      <h3>Guest forwards</h3>
      {nat.guestfwd.map((fwd, i) => {
        const on = (key: string) => (v: unknown) => tryNodeField(nat, ['guestfwd', i, key], v);
        const f = (key: string) => `guestfwd.${i}.${key}`;
        return (
          <fieldset className="nic" key={i} data-testid={`inspector__guestfwd__${i}`}>
            <legend>
              forward {i + 1}
              <RemoveButton
                testid={`inspector__remove-guestfwd__${i}`}
                onClick={() =>
                  setWhole(
                    nat,
                    ['guestfwd'],
                    nat.guestfwd.filter((_, j) => j !== i),
                  )
                }
              />
            </legend>
            <Field
              label="Server address"
              name={f('server')}
              type="text"
              value={fwd.server}
              onTry={on('server')}
              onDone={doneTyping}
            />
            <Field
              label="Port"
              name={f('port')}
              type="number"
              value={fwd.port}
              onTry={on('port')}
              onDone={doneTyping}
            />
            <Field
              label="Target (chardev or cmd:COMMAND)"
              name={f('target')}
              type="text"
              value={fwd.target}
              onTry={on('target')}
              onDone={doneTyping}
            />
          </fieldset>
        );
      })}
      <button
        type="button"
        data-testid="inspector__add-guestfwd"
        onClick={() =>
          setWhole(
            nat,
            ['guestfwd'],
            [...nat.guestfwd, { server: '10.0.2.100', port: 4321, target: 'tcp:127.0.0.1:4321' }],
          )
        }
      >
        Add guest forward
      </button>
    </div>
  );
}

/** slirpvde on a VDE switch: NAT to the outside and DHCP. */
export function SlirpEditor({ vde }: { vde: VdeNode }) {
  const slirp = vde.slirp;
  return (
    <div className="list" data-testid="inspector__slirp">
      <h3>slirpvde</h3>
      <Field
        label="Run slirpvde (NAT and DHCP)"
        name="slirp"
        type="checkbox"
        value={slirp !== undefined}
        onTry={(v) => tryNodeField(vde, ['slirp'], v ? { dhcp: true } : undefined)}
        onDone={doneTyping}
      />
      {slirp ? (
        <>
          <Field
            label="DHCP"
            name="slirp.dhcp"
            type="checkbox"
            value={slirp.dhcp}
            onTry={(v) => tryNodeField(vde, ['slirp', 'dhcp'], v)}
            onDone={doneTyping}
          />
          <Field
            label="Network"
            name="slirp.network"
            type="text"
            optional
            placeholder="10.0.2.0/24"
            value={slirp.network}
            onTry={(v) => tryNodeField(vde, ['slirp', 'network'], v)}
            onDone={doneTyping}
          />
        </>
      ) : null}
    </div>
  );
}
