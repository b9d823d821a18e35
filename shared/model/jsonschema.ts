import { z } from 'zod';
import { Topology } from './schema';

export const TOPOLOGY_SCHEMA_ID = 'https://qnet.studio/schema/topology-v1.json';

/** The JSON Schema of `*.qnet.yaml` files (what a user writes: defaults are optional), for editors and `qnet schema`. */
export function topologyJsonSchema(): Record<string, unknown> {
  const body = z.toJSONSchema(Topology, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  const { $schema, ...rest } = body;
  return {
    $schema: $schema ?? 'https://json-schema.org/draft/2020-12/schema',
    $id: TOPOLOGY_SCHEMA_ID,
    title: 'Qnet Studio topology',
    description: 'A QEMU network lab drawn in Qnet Studio (*.qnet.yaml, version 1).',
    ...rest,
  };
}
