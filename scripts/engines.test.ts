import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// npm's own range reader (installed with the tooling; it has no types of its own here).
const semver = createRequire(import.meta.url)('semver') as {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string): boolean;
};
const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The lowest Node version package.json admits. */
const floor = semver.minVersion(pkg.engines.node)!.version;

/** The installed packages whose own `engines.node` refuses that floor (what `npm ci` warns EBADENGINE about). */
function refusing(): { name: string; version: string; wants: string }[] {
  const out = [];
  for (const [path, p] of Object.entries(lock.packages)) {
    const wants = Array.isArray(p.engines) ? undefined : p.engines?.node;
    if (path === '' || wants === undefined || semver.satisfies(floor, wants)) continue;
    out.push({
      name: path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length),
      version: p.version!,
      wants,
    });
  }
  return out;
}

// The README's Node requirement, package.json's engines and the dependencies' own engines must say the same thing:
// every dependency that wants more than the floor is named in the README with the version it wants.
describe('Node version: README, package.json engines and the locked dependencies agree', () => {
  it('the quick start states the floor of package.json', () => {
    expect(readme).toMatch(
      new RegExp(`## Quick start \\([^)]*Node\\.js ${floor.replace(/\.0$/, '').replace(/\./g, '\\.')}\\+`),
    );
  });

  it('names every dependency that wants a newer Node, and that Node, where the quick start states the version', () => {
    const above = refusing();
    const heading = readme.split('\n').find((l) => l.startsWith('## Quick start'))!;
    for (const { name, wants } of above) {
      expect(readme, `README names ${name}`).toContain(`\`${name}\``);
      const min = semver.minVersion(wants)!.version.replace(/\.0$/, '');
      expect(heading, `the quick start heading states Node ${min} for ${name}`).toContain(`${min}+`);
    }
  });

  it('the Node running the tests is one package.json admits', () => {
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
  });
});
