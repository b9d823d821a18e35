import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LabPlan } from '../../shared/compiler/plan';
import { segmentsOf } from './segment-capture';

const golden = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '../../shared/compiler/__golden__', name), 'utf8')) as LabPlan;

describe('segmentsOf', () => {
  it("names each bridge node's interface from the plan's facts", () => {
    expect(segmentsOf(golden('02-tap-bridge.plan.json'))).toEqual(new Map([['br0', 'br0']]));
  });

  it('includes a host bridge the lab joins, and nothing for a lab without bridges', () => {
    const plan = golden('05-socket-pair.plan.json');
    expect(segmentsOf(plan)).toEqual(new Map());
    const joined = { ...plan, needs: { ...plan.needs, bridges: [{ node: 'lan', name: 'br-lan' }] } };
    expect(segmentsOf(joined)).toEqual(new Map([['lan', 'br-lan']]));
  });
});
