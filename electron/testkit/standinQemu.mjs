#!/usr/bin/env node
// A stand-in for qemu-system-<arch>, installed under that name on the PATH a test gives the engine. Asked a
// question (--version, -netdev help, -nic model=help) it lets the real binary answer. Started as a guest, it
// records the argv it was given ($QNET_STANDIN_RECORD/<pid>.json), then does just what the engine waits for: it
// writes its -pidfile, listens on its serial console's socket, and answers QMP on its -qmp socket until it is
// told system_powerdown or quit (or gets SIGTERM). No guest runs: the test is about what the engine starts.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';

const program = basename(process.argv[1] ?? '');
const args = process.argv.slice(2);
if (!args.includes('-qmp')) {
  const r = spawnSync(join('/usr/bin', program), args, { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
writeFileSync(join(process.env.QNET_STANDIN_RECORD ?? '.', `${process.pid}.json`), JSON.stringify([program, ...args]));

/** The items of a QEMU option string (`,,` is a literal comma). */
function items(s) {
  const out = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === ',' && s[i + 1] === ',') {
      cur += ',';
      i++;
    } else if (s[i] === ',') {
      out.push(cur);
      cur = '';
    } else cur += s[i];
  }
  out.push(cur);
  return out;
}
const value = (list, key) => list.find((x) => x.startsWith(`${key}=`))?.slice(key.length + 1);
const after = (flag) => args.flatMap((a, i) => (a === flag && i + 1 < args.length ? [args[i + 1]] : []));

const servers = [];
function listen(path, onConnection) {
  rmSync(path, { force: true });
  const server = createServer(onConnection);
  server.listen(path);
  servers.push({ server, path });
}
const quit = () => {
  for (const { server, path } of servers) {
    server.close();
    rmSync(path, { force: true });
  }
  process.exit(0);
};
process.on('SIGTERM', quit);

for (const pidfile of after('-pidfile')) writeFileSync(pidfile, `${process.pid}\n`);
for (const chardev of after('-chardev')) {
  const list = items(chardev);
  const path = value(list, 'path');
  if (list[0] === 'socket' && path && value(list, 'server') === 'on') listen(path, (c) => c.on('error', () => {}));
}
for (const qmp of after('-qmp')) {
  const [head = ''] = items(qmp);
  listen(head.replace(/^unix:/, ''), (conn) => {
    conn.on('error', () => {});
    conn.write(
      `${JSON.stringify({ QMP: { version: { qemu: { major: 7, minor: 2, micro: 0 } }, capabilities: [] } })}\r\n`,
    );
    let buf = '';
    conn.on('data', (d) => {
      buf += d.toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line === '') continue;
        const msg = JSON.parse(line);
        const reply = msg.execute === 'query-status' ? { status: 'running', running: true } : {};
        conn.write(`${JSON.stringify({ return: reply, id: msg.id })}\r\n`);
        if (msg.execute === 'system_powerdown' || msg.execute === 'quit') setTimeout(quit, 10);
      }
    });
  });
}
