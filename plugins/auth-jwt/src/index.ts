import { looksLikeJwt, presentedCredential } from '@llm-gateway/plugin-kit';
import { type AuthPlugin, type AuthScheme, disabled, type Principal } from '@llm-gateway/spec';
import { configSchema, type JwtConfig } from './config.js';
import { invalidToken, rejectionReason, TokenService } from './tokens.js';

export type { JwtConfig, JwtConfigInput } from './config.js';
export { configSchema, parseDuration } from './config.js';
export { TokenService, type TokenServiceOptions } from './tokens.js';

/** dgen-ping's development token. */
export const DEFAULT_TOKEN = '1';

const minimumSecretBytes = 32;

const plugin: AuthPlugin<JwtConfig> = {
  specificationVersion: 'v1',
  kind: 'auth',
  name: 'auth-jwt',
  description: 'HS256 JWTs (jose) in X-API-Token or Authorization: Bearer; deterministic tokens per SOEID.',
  configSchema,
  async create(config, host) {
    if (config.secret === '') return disabled('no token secret', ['secret']);
    const name = host.instanceName;
    const tokens = new TokenService({
      secret: config.secret,
      scheme: name,
      expiresInSeconds: config.expiresIn,
      issuer: config.issuer,
    });
    if (Buffer.byteLength(config.secret) < minimumSecretBytes) {
      host.log.warn(`TOKEN_SECRET is shorter than ${minimumSecretBytes} bytes; use a longer random secret`);
    }
    if (config.allowDefaultToken) {
      host.log.warn(
        { defaultPrincipal: config.defaultPrincipal },
        `ALLOW_DEFAULT_TOKEN is ON: the token "${DEFAULT_TOKEN}" authenticates anyone as ` +
          `${config.defaultPrincipal}. Development only; never enable it in production.`,
      );
    }

    const developer: Principal = Object.freeze({
      id: config.defaultPrincipal,
      kind: 'development',
      scheme: name,
    });

    const headers =
      config.acceptBearer && config.header !== 'authorization'
        ? [config.header, 'authorization']
        : [config.header];

    const scheme: AuthScheme = {
      name,
      credentialNames: { headers, query: [] },
      async authenticate(input) {
        const presented = presentedCredential(input, headers);
        if (presented === undefined) return undefined;
        const token = presented.value;
        if (token === DEFAULT_TOKEN && config.allowDefaultToken) return { ...developer };
        // A non-JWT Bearer value (an API key) is left to a scheme composed after this one.
        if (presented.bearer && !looksLikeJwt(token)) return undefined;
        if (token === DEFAULT_TOKEN) {
          host.log.debug({ reason: 'default_token_disabled' }, 'token rejected');
          throw invalidToken();
        }
        try {
          return await tokens.verify(token);
        } catch (error) {
          host.log.debug({ reason: rejectionReason(error) }, 'token rejected');
          throw error;
        }
      },
      issueToken: (subject, claims) => tokens.issue(subject, claims),
      verifyToken: (token) => tokens.verify(token),
    };
    return scheme;
  },
};

export default plugin;
