import { describe, expect, it } from 'vitest';
import { admissionLimits, ConnectionAdmission } from './connection-admission.js';
import { resolveMaxConnections } from './connection-limits.js';

/** Offers `count` connections from each address in turn; returns how many each got. */
function flood(admission: ConnectionAdmission, addresses: string[], count: number): number[] {
  return addresses.map((address) => {
    let taken = 0;
    for (let i = 0; i < count; i++) if (admission.admit(address)) taken += 1;
    return taken;
  });
}

const addresses = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `10.0.0.${from + i}`);

describe('connection admission', () => {
  it('derives the per-address cap and the reserve from the connection limit', () => {
    expect(admissionLimits(480, 'auto')).toEqual({ max: 480, perAddress: 60, reserve: 120, reserveShare: 2 });
    expect(admissionLimits(40, 'auto').perAddress).toBe(8);
    expect(admissionLimits(0, 'auto')).toMatchObject({ perAddress: 256, reserve: 0 });
    // Behind a proxy every client shares one address: no cap, nothing held back from it.
    expect(admissionLimits(480, 0)).toMatchObject({ perAddress: 0, reserve: 0 });
  });

  it('1,100 sockets from 5 addresses at a 1,024 descriptor limit leave room for every new client', () => {
    const admission = new ConnectionAdmission(admissionLimits(resolveMaxConnections('auto', 1024), 'auto'));
    expect(flood(admission, addresses(1, 5), 220)).toEqual([60, 60, 60, 60, 60]);
    const probes = flood(admission, addresses(100, 77), 1);
    expect(probes.every((taken) => taken === 1)).toBe(true);
  });

  it('many busy addresses fill only up to the reserve; an address with few connections still gets in', () => {
    const admission = new ConnectionAdmission(admissionLimits(100, 'auto'));
    // 12 per address, 75 before the reserve: six full addresses, the seventh stops at 3.
    const taken = flood(admission, addresses(1, 12), 15);
    expect(taken).toEqual([12, 12, 12, 12, 12, 12, 3, 2, 2, 2, 2, 2]);
    expect(admission.total).toBe(85);
    expect(flood(admission, addresses(50, 15), 1)).toEqual(Array(15).fill(1));
    expect(admission.admit('10.0.0.99')).toBe(false);
    admission.release('10.0.0.50');
    expect(admission.admit('10.0.0.99')).toBe(true);
  });
});
