/** How many connections the server holds open, in all and per client address. */
export interface AdmissionLimits {
  /** Open connections in all; 0 = unlimited. */
  max: number;
  /** Open connections from one address; 0 = unlimited. */
  perAddress: number;
  /** Of `max`, the last slots: only an address holding fewer than `reserveShare` connections may take one. */
  reserve: number;
  reserveShare: number;
}

/** Per-address cap when `max` is unlimited (the old fixed default). */
const unlimitedPerAddress = 256;

/**
 * `auto` per address: an eighth of `max` (at least 8), so a handful of addresses cannot fill it; a quarter
 * of `max` is kept for addresses holding fewer than two connections, so a new client still gets in when
 * many addresses fill the rest. With no per-address cap (behind a proxy) nothing is reserved.
 */
export function admissionLimits(max: number, perAddressSetting: 'auto' | number): AdmissionLimits {
  const perAddress =
    perAddressSetting !== 'auto'
      ? perAddressSetting
      : max > 0
        ? Math.max(8, Math.floor(max / 8))
        : unlimitedPerAddress;
  const reserve = max > 0 && perAddress > 0 ? Math.floor(max / 4) : 0;
  return { max, perAddress, reserve, reserveShare: 2 };
}

/** Counts open connections per address and decides whether the next one from an address is taken. */
export class ConnectionAdmission {
  readonly #open = new Map<string, number>();
  #total = 0;

  constructor(readonly limits: AdmissionLimits) {}

  /** Takes a connection from `address` (true) or refuses it (false); each taken one needs a `release`. */
  admit(address: string): boolean {
    const { max, perAddress, reserve, reserveShare } = this.limits;
    const held = this.#open.get(address) ?? 0;
    if (perAddress > 0 && held >= perAddress) return false;
    if (max > 0 && this.#total >= max) return false;
    if (max > 0 && this.#total >= max - reserve && held >= reserveShare) return false;
    this.#open.set(address, held + 1);
    this.#total += 1;
    return true;
  }

  release(address: string): void {
    const left = (this.#open.get(address) ?? 1) - 1;
    if (left > 0) this.#open.set(address, left);
    else this.#open.delete(address);
    this.#total = Math.max(0, this.#total - 1);
  }

  get total(): number {
    return this.#total;
  }
}
