import { hash, timingSafeEqual } from 'node:crypto';
import type { PrincipalLimits } from '@llm-gateway/spec';

/** One configured key. The key itself stays inside the KeySet; only id and limits leave it. */
export interface KeyEntry {
  id: string;
  key: string;
  limits?: PrincipalLimits;
}

export interface KeyIdentity {
  id: string;
  limits?: PrincipalLimits;
}

/** One-shot: no Hash object per presented key (it showed in profiles of the request path). */
function sha256(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/** A stable, non-reversible id for a key configured without one. */
export function keyIdFor(key: string): string {
  return `key-${sha256(key).toString('hex').slice(0, 8)}`;
}

/**
 * Matches presented keys in constant time: both sides are sha256 digests (equal length, so
 * timingSafeEqual applies whatever the key lengths), and every configured key is compared.
 */
export class KeySet {
  readonly #digests: Buffer[];
  readonly #identities: KeyIdentity[];

  constructor(entries: readonly KeyEntry[]) {
    this.#digests = entries.map((entry) => sha256(entry.key));
    this.#identities = entries.map((entry) =>
      entry.limits === undefined ? { id: entry.id } : { id: entry.id, limits: entry.limits },
    );
  }

  get size(): number {
    return this.#digests.length;
  }

  get ids(): string[] {
    return this.#identities.map((identity) => identity.id);
  }

  match(presented: string): KeyIdentity | undefined {
    const digest = sha256(presented);
    let found = -1;
    for (let index = 0; index < this.#digests.length; index++) {
      // No early exit: the time taken must not tell which key (or whether any) matched.
      const equal = timingSafeEqual(digest, this.#digests[index]!);
      if (equal && found < 0) found = index;
    }
    return found < 0 ? undefined : this.#identities[found];
  }
}
