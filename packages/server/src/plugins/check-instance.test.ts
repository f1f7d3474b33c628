import path from 'node:path';
import { silentLogger } from '@llm-gateway/spec';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { instanceProblems } from './check-instance.js';
import { unwrapDefault } from './load-plugin.js';
import { PluginFaults } from './plugin-faults.js';

const backend = {
  name: 'acme',
  models: async () => [],
  chat: async () => ({}),
  async *stream() {},
};

describe('instanceProblems', () => {
  it('accepts a backend with its required members and names each missing or mistyped one', () => {
    expect(instanceProblems('backend', backend)).toEqual([]);
    const { stream: _stream, ...noStream } = backend;
    expect(instanceProblems('backend', noStream)).toEqual(['member stream() is missing']);
    expect(instanceProblems('backend', { ...backend, chat: 'POST /chat', tuning: 'all' })).toEqual([
      'member chat() is string, not function',
      'member tuning is string, not array',
    ]);
    expect(instanceProblems('surface', undefined)).toEqual([
      'create() returned undefined, not surface instance or disabled(...)',
    ]);
  });

  it('finds methods on a class prototype', () => {
    class Sink {
      name = 'csv';
      async write() {}
      async close() {}
    }
    expect(instanceProblems('sink', new Sink())).toEqual([]);
  });
});

describe('unwrapDefault', () => {
  it('unwraps a CommonJS { default } and leaves a definition alone', () => {
    const definition = { specificationVersion: 'v1', kind: 'backend' };
    expect(unwrapDefault({ __esModule: true, default: definition })).toBe(definition);
    expect(unwrapDefault(definition)).toBe(definition);
    expect(unwrapDefault(42)).toBe(42);
  });
});

describe('PluginFaults.attribute', () => {
  it('names the instance whose package the stack runs through, and every instance sharing that package', () => {
    const faults = new PluginFaults(new Registry(), silentLogger);
    // Not on disk: the package root falls back to the module's directory.
    const dir = path.join(path.sep, 'nonexistent', 'backend-acme');
    faults.addSource(path.join(dir, 'dist/index.js'), { plugin: 'p', instance: 'one' });
    const error = new Error('boom');
    error.stack = `Error: boom\n    at x (${path.join(dir, 'dist/a.js')}:1:1)`;
    expect(faults.attribute(error)).toEqual({ plugin: 'p', instance: 'one' });
    faults.addSource(path.join(dir, 'dist/index.js'), { plugin: 'p', instance: 'two' });
    expect(faults.attribute(error)).toEqual({ plugin: 'p', instance: 'one,two' });
    expect(faults.attribute(new Error('elsewhere'))).toBeUndefined();
    expect(faults.attribute('not an error')).toBeUndefined();
  });
});
