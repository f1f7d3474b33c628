import { GatewayError, type Logger, silentLogger } from '@llm-gateway/spec';
import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { costOf } from './cost-of.js';
import { createPriceBook } from './price-book.js';

const providers = new Map([
  ['openai', 'openai'],
  ['claude', 'anthropic'],
  ['local', 'ollama'],
]);

function warnings(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = {
    ...silentLogger,
    warn: (_: unknown, line?: string) => void lines.push(String(line)),
  } as Logger;
  return { log, lines };
}

describe('the price book', () => {
  it("prices a provider's model as the maintained table does", () => {
    const book = createPriceBook({ providers, log: silentLogger });
    const usage = { promptTokens: 1234, completionTokens: 567, totalTokens: 1801 };
    const table = calcPrice({ input_tokens: 1234, output_tokens: 567 }, 'gpt-4o-mini', {
      providerId: 'openai',
    });
    expect(table).not.toBeNull();
    expect(book.cost('openai', 'gpt-4o-mini', usage)).toBeCloseTo(table!.total_price, 12);
    expect(book.cost('openai', 'gpt-4o-mini', usage)).toBeGreaterThan(0);
  });

  it('charges cached prompt tokens at the cached-input price, and a long prompt at its tier', () => {
    const book = createPriceBook({ providers, log: silentLogger });
    const cached = {
      promptTokens: 1_000_000,
      completionTokens: 0,
      totalTokens: 1_000_000,
      cachedPromptTokens: 500_000,
    };
    const table = calcPrice({ input_tokens: 1_000_000, cache_read_tokens: 500_000 }, 'gpt-4o-mini', {
      providerId: 'openai',
    });
    expect(book.cost('openai', 'gpt-4o-mini', cached)).toBeCloseTo(table!.total_price, 12);
    const long = { promptTokens: 300_000, completionTokens: 1000, totalTokens: 301_000 };
    const tiered = calcPrice({ input_tokens: 300_000, output_tokens: 1000 }, 'claude-sonnet-4-5', {
      providerId: 'anthropic',
    });
    expect(book.cost('claude', 'claude-sonnet-4-5', long)).toBeCloseTo(tiered!.total_price, 12);
  });

  it("uses the profile's prices first, and self-hosted Ollama costs nothing", () => {
    const book = createPriceBook({
      providers,
      backends: { openai: { models: { 'gpt-4o-mini': { input: 1, cachedInput: 0.5, output: 2 } } } },
      log: silentLogger,
    });
    const usage = { promptTokens: 1_000_000, completionTokens: 500_000, totalTokens: 1_500_000 };
    expect(book.cost('openai', 'gpt-4o-mini', usage)).toBeCloseTo(2, 12);
    expect(book.cost('local', 'llama3.2', usage)).toBe(0);
    expect(book.pricesOf('local', 'llama3.2')).toEqual({ input: 0, cachedInput: 0, output: 0 });
  });

  it('counts an unknown model as free with one warning per model, or refuses it before the call', () => {
    const { log, lines } = warnings();
    const book = createPriceBook({ providers, log });
    const usage = { promptTokens: 10, completionTokens: 10, totalTokens: 20 };
    expect(book.cost('openai', 'no-such-model', usage)).toBe(0);
    expect(book.cost('openai', 'no-such-model', usage)).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('no-such-model');
    expect(() => book.check('openai', 'no-such-model')).not.toThrow();
    const strict = createPriceBook({ providers, unknownModel: 'refuse', log: silentLogger });
    expect(() => strict.check('openai', 'gpt-4o-mini')).not.toThrow();
    const refusal = (() => {
      try {
        strict.check('openai', 'no-such-model');
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(GatewayError);
    expect(refusal).toMatchObject({ status: 400, code: 'model_not_priced' });
  });

  it('prices per million tokens', () => {
    expect(
      costOf({ input: 3, output: 15 }, { promptTokens: 2000, completionTokens: 1000, totalTokens: 3000 }),
    ).toBeCloseTo(0.021, 12);
  });
});
