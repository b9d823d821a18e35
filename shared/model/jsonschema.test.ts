import { describe, expect, it } from 'vitest';
import { topologyJsonSchema } from './jsonschema';

describe('topologyJsonSchema', () => {
  const s = topologyJsonSchema() as {
    $schema: string;
    $id: string;
    title: string;
    required: string[];
    properties: Record<string, unknown>;
  };
  it('carries $schema, $id and title', () => {
    expect(s.$schema).toContain('json-schema.org');
    expect(s.$id).toBe('https://qnet.studio/schema/topology-v1.json');
    expect(s.title).toBe('Qnet Studio topology');
  });
  it('describes files as written: defaulted fields are optional', () => {
    expect(s.required.sort()).toEqual(['name', 'version']);
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['nodes', 'links', 'settings', 'layout']));
  });
  it('knows every node kind', () => {
    const text = JSON.stringify(s);
    for (const k of ['vm', 'host', 'bridge', 'tap', 'hub', 'vde', 'nat', 'mcast', 'l2tpv3', 'vhost-user', 'vdpa'])
      expect(text).toContain(`"const":"${k}"`);
  });
  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});
