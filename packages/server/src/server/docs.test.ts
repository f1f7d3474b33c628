import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { testBackendPlugin, testSurfacePlugin } from '../__fixtures__/test-plugins.js';
import { parseProfile } from '../profile/load-profile.js';
import { buildServer, type GatewayServer } from './build-server.js';
import { redocBundlePath, redocPage } from './docs.js';

const profile = `
service: { name: 'docs <test>', version: 1.0.0 }
logging: { level: warn }
backends:
  alpha: { plugin: backend-test, config: { models: [alpha-model] } }
surfaces:
  open: { plugin: surface-test, auth: [], prefix: /open }
`;

const servers: GatewayServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function setup(yaml = profile) {
  const gateway = await buildServer(parseProfile(yaml, { source: 'docs.yaml', env: {} }), {
    logStream: { write: () => {} },
    plugins: { 'backend-test': testBackendPlugin().plugin, 'surface-test': testSurfacePlugin },
  });
  servers.push(gateway);
  return gateway.app;
}

describe('/redoc', () => {
  it('serves a ReDoc page over /openapi.json that loads only its own script', async () => {
    const app = await setup();
    const page = await app.inject({ method: 'GET', url: '/redoc' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<redoc spec-url="/openapi.json"></redoc>');
    expect(page.body).toContain('<script src="/redoc/redoc.standalone.js"></script>');
    expect(page.body).toContain('<title>docs &lt;test&gt; - ReDoc</title>');
    // Nothing from a CDN: no absolute URL at all, and the policy allows only this origin.
    expect(page.body).not.toMatch(/(src|href)="https?:|\/\/[a-z]/i);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.headers['content-security-policy']).not.toMatch(/https?:/);

    const spec = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(spec.statusCode).toBe(200);
    expect(Object.keys((spec.json() as { paths: object }).paths)).not.toContain('/redoc');
  });

  it('serves the redoc package bundle as JavaScript', async () => {
    const app = await setup();
    const first = await app.inject({ method: 'GET', url: '/redoc/redoc.standalone.js' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(redocBundlePath).toMatch(/redoc[/\\]bundles[/\\]redoc\.standalone\.js$/);
    const expected = await readFile(redocBundlePath);
    expect(first.rawPayload.equals(expected)).toBe(true);
    expect(first.body).toContain('spec-url');
    // Kept after the first read.
    const second = await app.inject({ method: 'GET', url: '/redoc/redoc.standalone.js' });
    expect(second.rawPayload.equals(expected)).toBe(true);
  });

  it('follows docs.redocPath, and is gone with docs.enabled false', async () => {
    const moved = await setup(`${profile}docs: { redocPath: /api/redoc }\n`);
    expect((await moved.inject({ method: 'GET', url: '/redoc' })).statusCode).toBe(404);
    const page = await moved.inject({ method: 'GET', url: '/api/redoc' });
    expect(page.body).toContain('<script src="/api/redoc/redoc.standalone.js"></script>');
    expect((await moved.inject({ method: 'GET', url: '/api/redoc/redoc.standalone.js' })).statusCode).toBe(
      200,
    );

    const off = await setup(`${profile}docs: { enabled: false }\n`);
    expect((await off.inject({ method: 'GET', url: '/redoc' })).statusCode).toBe(404);
    expect((await off.inject({ method: 'GET', url: '/redoc/redoc.standalone.js' })).statusCode).toBe(404);
  });

  it('escapes the title and the script URL', () => {
    expect(redocPage('"><script>x</script>', '/r"x/redoc.standalone.js')).not.toMatch(/<script>x|"x\//);
  });
});
