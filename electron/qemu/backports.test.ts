import { describe, expect, it } from 'vitest';
import { codenameOf, mirrorOf, privateAptOptions } from './backports';

describe('backports view', () => {
  const policy = `Package files:
 100 /var/lib/dpkg/status
     release a=now
 500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
     release v=12,o=Debian,a=oldstable-security,n=bookworm-security,l=Debian-Security,c=main,b=amd64
 500 http://mirror.example/debian bookworm/main amd64 Packages
     release v=12.15,o=Debian,a=oldstable,n=bookworm,l=Debian,c=main,b=amd64
`;

  it("finds the mirror of the release's main component, not of security or updates", () => {
    expect(mirrorOf(policy, 'bookworm')).toBe('http://mirror.example/debian');
    expect(mirrorOf(policy, 'trixie')).toBeUndefined();
  });

  it('reads the codename of os-release', () => {
    expect(codenameOf('NAME="Debian"\nVERSION_CODENAME=bookworm\n')).toBe('bookworm');
    expect(codenameOf('NAME="Arch Linux"\n')).toBeUndefined();
  });

  it("points every apt state it writes at the private directory, never the system's sources", () => {
    const options = privateAptOptions('/c/q');
    expect(options).toContain('Dir::Etc::SourceList=/c/q/sources.list');
    expect(options).toContain('Dir::Etc::SourceParts=/dev/null');
    expect(options).toContain('Dir::State::Lists=/c/q/lists');
    expect(options).toContain('Dir::Cache=/c/q/cache');
  });
});
