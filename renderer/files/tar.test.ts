import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tarFiles } from './tar';

describe('tarFiles', () => {
  it('writes an archive GNU tar extracts with the same bytes and modes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qnet-tar-'));
    try {
      const files = [
        { path: 'up.sh', content: "#!/usr/bin/env bash\necho 'héllo'\n", mode: 0o755 },
        { path: 'plan.json', content: '{}\n'.repeat(300), mode: 0o644 },
      ];
      writeFileSync(join(dir, 'x.tar'), tarFiles('lab-scripts', files));
      const r = spawnSync('tar', ['-xf', 'x.tar'], { cwd: dir, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      for (const f of files) {
        expect(readFileSync(join(dir, 'lab-scripts', f.path), 'utf8')).toBe(f.content);
        expect(statSync(join(dir, 'lab-scripts', f.path)).mode & 0o777).toBe(f.mode);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
