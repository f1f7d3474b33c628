import type { ModelInfo } from '@llm-gateway/spec';

/** One model in Anthropic's shape; the gateway knows no display name, so it is the id. */
export function modelBody(model: ModelInfo) {
  return {
    type: 'model',
    id: model.id,
    display_name: model.id,
    created_at: new Date(model.created * 1000).toISOString(),
  };
}

export interface PageQuery {
  limit: number;
  after_id?: string;
  before_id?: string;
}

/** A page of the list the way Anthropic pages it: `limit` items after `after_id` or before `before_id`. */
export function modelsPage(models: readonly ModelInfo[], query: PageQuery) {
  const ids = models.map((model) => model.id);
  let start = 0;
  let end = models.length;
  if (query.after_id !== undefined) start = ids.indexOf(query.after_id) + 1 || models.length;
  if (query.before_id !== undefined) {
    end = Math.max(0, ids.indexOf(query.before_id));
    start = Math.max(0, end - query.limit);
  }
  const page = models.slice(start, Math.min(end, start + query.limit)).map(modelBody);
  const hasMore = query.before_id !== undefined ? start > 0 : start + page.length < end;
  return { data: page, has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null };
}
