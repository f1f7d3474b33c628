import { describe, expect, it } from 'vitest';
import { defaultScrypt, hashSecret, parseSecretHash, verifySecret } from './secret-hash.js';

const cheap = { cost: 1024 };

describe('hashSecret / verifySecret', () => {
  it('round-trips with the default parameters in the documented format', async () => {
    const encoded = await hashSecret('password');
    expect(encoded).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    expect(encoded).not.toContain('password');
    const parsed = parseSecretHash(encoded);
    expect(parsed?.salt.length).toBe(defaultScrypt.saltLength);
    expect(parsed?.hash.length).toBe(defaultScrypt.keyLength);
    expect(await verifySecret('password', encoded)).toBe(true);
    expect(await verifySecret('Password', encoded)).toBe(false);
    expect(await verifySecret('', encoded)).toBe(false);
  });

  it('salts every hash, and honours custom parameters', async () => {
    const a = await hashSecret('s3cret', cheap);
    const b = await hashSecret('s3cret', cheap);
    expect(a).not.toBe(b);
    expect(a.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifySecret('s3cret', b)).toBe(true);
    const custom = await hashSecret('s3cret', {
      cost: 2048,
      blockSize: 4,
      parallelization: 2,
      keyLength: 64,
    });
    expect(parseSecretHash(custom)).toMatchObject({ cost: 2048, blockSize: 4, parallelization: 2 });
    expect(parseSecretHash(custom)?.hash.length).toBe(64);
    expect(await verifySecret('s3cret', custom)).toBe(true);
  });

  it('refuses empty secrets and unsafe parameters', async () => {
    await expect(hashSecret('')).rejects.toThrow(TypeError);
    await expect(hashSecret('x', { cost: 1000 })).rejects.toThrow(RangeError);
    await expect(hashSecret('x', { cost: 2 ** 24 })).rejects.toThrow(RangeError);
    await expect(hashSecret('x', { keyLength: 8 })).rejects.toThrow(RangeError);
  });

  it('treats malformed or hostile hashes as no match, without throwing', async () => {
    const good = await hashSecret('s3cret', cheap);
    const [, , r, p, salt, hash] = good.split('$');
    const bad = [
      '',
      's3cret',
      good.replace('scrypt$', 'bcrypt$'),
      `scrypt$1000$${r}$${p}$${salt}$${hash}`,
      `scrypt$${2 ** 30}$${r}$${p}$${salt}$${hash}`,
      `scrypt$1024$${r}$${p}$${salt}$not*base64`,
      `scrypt$1024$${r}$${p}$${salt}`,
      `scrypt$1024$${r}$${p}$AAAA$${hash}`,
      `${good}$extra`,
    ];
    for (const encoded of bad) {
      expect(parseSecretHash(encoded), encoded).toBeUndefined();
      expect(await verifySecret('s3cret', encoded)).toBe(false);
    }
  });
});
