import { describe, expect, it } from 'vitest';
import { parseAptShow } from './apt';

describe('parseAptShow', () => {
  it('reads the candidate name, version and dependency names', () => {
    const text = `Package: linux-image-amd64
Source: linux-signed-amd64 (6.1.192+2)
Version: 6.1.192-2
Architecture: amd64
Depends: linux-image-6.1.0-56-amd64 (= 6.1.192-2), foo:any | bar (>= 1)
Description: Linux for 64-bit PCs (meta-package)
`;
    expect(parseAptShow(text)).toEqual({
      name: 'linux-image-amd64',
      version: '6.1.192-2',
      depends: ['linux-image-6.1.0-56-amd64', 'foo', 'bar'],
    });
  });

  it('is undefined for empty output (no such package)', () => {
    expect(parseAptShow('')).toBeUndefined();
  });
});
