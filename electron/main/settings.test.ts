import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_RECENT, parseSettings, SettingsStore, withRecent } from './settings';

const dir = mkdtempSync(join(tmpdir(), 'qnet-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('settings', () => {
  it('falls back to defaults, field by field, on anything unexpected', () => {
    expect(parseSettings('not json')).toEqual({ recent: [] });
    expect(parseSettings('[1]')).toEqual({ recent: [] });
    expect(parseSettings('{"window":{"width":10,"height":10},"recent":["relative.yaml","/a.qnet.yaml",3]}')).toEqual({
      recent: ['/a.qnet.yaml'],
    });
    expect(parseSettings('{"window":{"x":5,"y":6,"width":900,"height":700,"maximized":true}}')).toEqual({
      window: { x: 5, y: 6, width: 900, height: 700, maximized: true },
      recent: [],
    });
  });

  it('keeps recent files newest first, once each, bounded', () => {
    expect(withRecent(['/a', '/b', '/c'], '/b')).toEqual(['/b', '/a', '/c']);
    const many = Array.from({ length: 20 }, (_, i) => `/f${i}`);
    expect(withRecent(many, '/new')).toHaveLength(MAX_RECENT);
  });

  it('remembers across runs, and starts on defaults from a missing or broken file', () => {
    const file = join(dir, 'sub', 'settings.json');
    const a = new SettingsStore(file);
    a.initialize();
    expect(a.get()).toEqual({ recent: [] });
    a.update({ window: { x: 1, y: 2, width: 1000, height: 700 } });
    a.update({ recent: ['/x.qnet.yaml'] });
    const b = new SettingsStore(file);
    b.initialize();
    expect(b.get()).toEqual({ window: { x: 1, y: 2, width: 1000, height: 700 }, recent: ['/x.qnet.yaml'] });
    writeFileSync(file, '{broken');
    b.initialize();
    expect(b.get()).toEqual({ recent: [] });
    expect(readFileSync(file, 'utf8')).toBe('{broken');
  });
});
