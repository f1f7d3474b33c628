import { describe, expect, it } from 'vitest';
import { modelBody, modelsPage } from './models-page.js';

const models = ['a', 'b', 'c', 'd'].map((id) => ({ id, backend: 'x', created: 1_700_000_000 }));
const ids = (page: { data: Array<{ id: string }> }) => page.data.map((model) => model.id);

describe('modelsPage', () => {
  it('pages forward with limit and after_id, saying has_more, first_id and last_id', () => {
    const first = modelsPage(models, { limit: 2 });
    expect(first).toMatchObject({ has_more: true, first_id: 'a', last_id: 'b' });
    expect(ids(first)).toEqual(['a', 'b']);
    const second = modelsPage(models, { limit: 2, after_id: 'b' });
    expect(second).toMatchObject({ has_more: false, first_id: 'c', last_id: 'd' });
  });

  it('pages backward with before_id, and an unknown id gives an empty page', () => {
    expect(ids(modelsPage(models, { limit: 2, before_id: 'd' }))).toEqual(['b', 'c']);
    expect(modelsPage(models, { limit: 2, before_id: 'd' }).has_more).toBe(true);
    expect(modelsPage(models, { limit: 2, after_id: 'zz' })).toEqual({
      data: [],
      has_more: false,
      first_id: null,
      last_id: null,
    });
  });

  it("shapes a model as Anthropic's ModelInfo", () => {
    expect(modelBody(models[0]!)).toEqual({
      type: 'model',
      id: 'a',
      display_name: 'a',
      created_at: '2023-11-14T22:13:20.000Z',
    });
  });
});
