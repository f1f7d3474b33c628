import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt parameters: N (cost, a power of two), r (block size), p (parallelization). */
export interface HashSecretOptions {
  cost?: number;
  blockSize?: number;
  parallelization?: number;
  saltLength?: number;
  keyLength?: number;
}

/** Node's own scrypt defaults (16 MiB, tens of ms): slow for guessing, bearable per request with the cache. */
export const defaultScrypt = Object.freeze({
  cost: 16_384,
  blockSize: 8,
  parallelization: 1,
  saltLength: 16,
  keyLength: 32,
});

export interface ParsedSecretHash {
  cost: number;
  blockSize: number;
  parallelization: number;
  salt: Buffer;
  hash: Buffer;
}

// Bounds keep a hostile or mistyped client file from costing gigabytes per request.
const maxMemoryBytes = 256 * 1024 * 1024;
const base64 = /^[A-Za-z0-9+/]+={0,2}$/;
const integer = /^[1-9]\d{0,9}$/;

function validParameters(cost: number, blockSize: number, parallelization: number): boolean {
  const powerOfTwo = cost > 1 && (cost & (cost - 1)) === 0;
  return (
    powerOfTwo &&
    cost <= 2 ** 20 &&
    blockSize >= 1 &&
    blockSize <= 32 &&
    parallelization >= 1 &&
    parallelization <= 16 &&
    128 * cost * blockSize <= maxMemoryBytes
  );
}

/** Parses `scrypt$N$r$p$saltBase64$hashBase64`; undefined when it is not one. */
export function parseSecretHash(encoded: string): ParsedSecretHash | undefined {
  if (typeof encoded !== 'string') return undefined;
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  if (!integer.test(n) || !integer.test(r) || !integer.test(p)) return undefined;
  if (!base64.test(salt) || !base64.test(hash)) return undefined;
  const parsed = {
    cost: Number(n),
    blockSize: Number(r),
    parallelization: Number(p),
    salt: Buffer.from(salt, 'base64'),
    hash: Buffer.from(hash, 'base64'),
  };
  if (!validParameters(parsed.cost, parsed.blockSize, parsed.parallelization)) return undefined;
  if (parsed.salt.length < 8 || parsed.hash.length < 16 || parsed.hash.length > 128) return undefined;
  return parsed;
}

interface ScryptParameters {
  cost: number;
  blockSize: number;
  parallelization: number;
}

function derive(secret: string, salt: Buffer, keyLength: number, parameters: ScryptParameters) {
  const { cost: N, blockSize: r, parallelization: p } = parameters;
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(secret, salt, keyLength, { N, r, p, maxmem: 2 * 128 * N * r + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Hashes a client secret for a client file's `client_secret_hash`. */
export async function hashSecret(secret: string, options: HashSecretOptions = {}): Promise<string> {
  if (typeof secret !== 'string' || secret === '')
    throw new TypeError('the secret must be a non-empty string');
  const settings = { ...defaultScrypt, ...options };
  if (!validParameters(settings.cost, settings.blockSize, settings.parallelization)) {
    throw new RangeError('scrypt cost must be a power of two ≤ 2^20, blockSize 1..32, parallelization 1..16');
  }
  if (settings.saltLength < 8 || settings.keyLength < 16 || settings.keyLength > 128) {
    throw new RangeError('saltLength must be ≥ 8 and keyLength 16..128');
  }
  const salt = randomBytes(settings.saltLength);
  const hash = await derive(secret, salt, settings.keyLength, settings);
  const { cost, blockSize, parallelization } = settings;
  return ['scrypt', cost, blockSize, parallelization, salt.toString('base64'), hash.toString('base64')].join(
    '$',
  );
}

/** Whether `secret` matches an encoded hash; false (never a throw) for a malformed hash. */
export async function verifySecret(secret: string, encoded: string): Promise<boolean> {
  const parsed = parseSecretHash(encoded);
  if (parsed === undefined || typeof secret !== 'string') return false;
  const derived = await derive(secret, parsed.salt, parsed.hash.length, parsed);
  return timingSafeEqual(derived, parsed.hash);
}
