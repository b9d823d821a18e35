import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineApi, EngineRequest } from '../../shared/api';
import { TOKEN_HEADER } from '../../shared/web-api';
import { startServer, type RunningServer } from './server';

/*
 * The download route's own rules, with an engine that answers `captureFile` from a table: the real engine writing a
 * real capture is electron/cli/segment-capture.qemu.test.ts.
 */

let dir = '';
let server: RunningServer;
const asked: EngineRequest[] = [];
const files: Record<string, string | null> = {};

const engine: EngineApi = {
  request: (async (r: EngineRequest) => {
    asked.push(r);
    if (r.type !== 'captureFile') return { ok: false, error: { code: 'INTERNAL', message: 'unexpected' } };
    if (!(r.link in files)) return { ok: false, error: { code: 'LINK_NOT_FOUND', message: `no link ${r.link}` } };
    return { ok: true, file: files[r.link] };
  }) as EngineApi['request'],
  subscribe: () => () => {},
};

const pcap = Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qnet-capdl-'));
  writeFileSync(join(dir, 'capture-wire-1.pcap'), pcap);
  symlinkSync(join(dir, 'capture-wire-1.pcap'), join(dir, 'capture-link-1.pcap'));
  Object.assign(files, {
    wire: join(dir, 'capture-wire-1.pcap'),
    linked: join(dir, 'capture-link-1.pcap'),
    never: null,
  });
  server = await startServer({ port: 0, host: '127.0.0.1', root: dir, routes: {}, engine });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (query: string, token = server.token) =>
  fetch(`http://127.0.0.1:${server.port}/api/capture.pcap?${query}`, { headers: { [TOKEN_HEADER]: token } });

describe('GET /api/capture.pcap', () => {
  it('sends the pcap the engine names for the lab and link, as an attachment', async () => {
    const r = await get('lab=l1&link=wire');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.tcpdump.pcap');
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="l1-capture-wire-1.pcap"');
    expect(Buffer.from(await r.arrayBuffer()).equals(pcap)).toBe(true);
    expect(asked.at(-1)).toEqual({ type: 'captureFile', lab: 'l1', link: 'wire' });
  });

  it('needs the token', async () => {
    const n = asked.length;
    expect((await get('lab=l1&link=wire', 'nope')).status).toBe(401);
    expect(asked).toHaveLength(n);
  });

  it('says what is wrong: no lab named, an unknown link, a link never captured', async () => {
    const noLab = await get('link=wire');
    expect(noLab.status).toBe(400);
    expect(((await noLab.json()) as { error: { message: string } }).error.message).toBe(
      'captureFile needs lab and link names',
    );
    const unknown = await get('lab=l1&link=cable');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe('no link cable');
    const never = await get('lab=l1&link=never');
    expect(never.status).toBe(404);
    expect(((await never.json()) as { error: { message: string } }).error.message).toBe(
      'never of lab l1 has not been captured',
    );
  });

  it('does not follow a symlink where the pcap should be', async () => {
    const r = await get('lab=l1&link=linked');
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { message: string } }).error.message).toContain('cannot be read');
  });
});
