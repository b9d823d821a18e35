import { describe, expect, it } from 'vitest';
import { consoleTarget, consoleUrl } from './popout';

describe('popped-out consoles', () => {
  it("a console's URL names its guest beside the editor's page, with the token, and reads back", () => {
    const url = consoleUrl('http://127.0.0.1:8080/?token=abc#x', 'lab-1', 'server', 'abc');
    expect(url).toBe('http://127.0.0.1:8080/?token=abc&console=lab-1&vm=server');
    expect(consoleTarget(new URL(url).search)).toEqual({ lab: 'lab-1', vm: 'server' });
    expect(consoleUrl('qnet-app://studio/index.html', 'a', 'b', null)).toBe(
      'qnet-app://studio/index.html?console=a&vm=b',
    );
  });

  it('the editor is any page without both', () => {
    expect(consoleTarget('?token=abc')).toBeNull();
    expect(consoleTarget('?console=lab')).toBeNull();
    expect(consoleTarget('')).toBeNull();
  });
});
