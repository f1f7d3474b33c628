// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profiles spell ${VAR} literally
import { describe, expect, it } from 'vitest';
import { profileErrorOf } from '../__fixtures__/profile-error-of.js';
import { parseProfile } from './load-profile.js';
import { surfaceLimits } from './rate-limit-section.js';

const withSurface = (rateLimit: string, env: NodeJS.ProcessEnv = {}) =>
  parseProfile(
    `
rateLimit: { requestsPerMinute: 120, burst: 20, tokensPerDay: 1000 }
surfaces:
  inference: { plugin: surface-inference, rateLimit: ${rateLimit} }
`,
    { env },
  );

describe('surfaces.<name>.rateLimit', () => {
  it('reads the seed variables, blank meaning unset', () => {
    const profile = withSurface('{ requestsPerMinute: "${RATE:-60}", burst: "${BURST:-}" }', { RATE: '30' });
    expect(profile.surfaces['inference']!.rateLimit).toEqual({ requestsPerMinute: 30 });
  });

  it('refuses unknown keys with the surface path', () => {
    const error = profileErrorOf(() => withSurface('{ requestsPerMinut: 60 }'));
    expect(error.message).toContain('surfaces.inference.rateLimit');
  });

  it('overrides the top-level keys it sets; burst follows its own rate', () => {
    const top = { requestsPerMinute: 120, burst: 20, tokensPerDay: 1000 };
    expect(surfaceLimits(top, { requestsPerMinute: 60, burst: 10 })).toEqual({
      requestsPerMinute: 60,
      burst: 10,
      tokensPerDay: 1000,
    });
    // A surface with its own rate and no burst may use its minute at once, as a principal's own rate may.
    expect(surfaceLimits(top, { requestsPerMinute: 60 })).toEqual({
      requestsPerMinute: 60,
      tokensPerDay: 1000,
    });
    expect(surfaceLimits(top, { tokensPerDay: 10 })).toEqual({
      requestsPerMinute: 120,
      burst: 20,
      tokensPerDay: 10,
    });
  });
});
