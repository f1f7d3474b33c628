import type { CliIo } from './io.js';

const numbers = new Set(['rpm', 'tpd']);

/** `project=ci models=a,b rpm=60 budget.day.usd=5` -> the POST /admin/keys body (with `name`). */
export function keyFields(pairs: readonly string[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const budgets = new Map<string, Record<string, unknown>>();
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`expected field=value, got '${pair}'`);
    const [field, value] = [pair.slice(0, at), pair.slice(at + 1)];
    const budget = /^budget\.(day|month)\.(usd|tokens)$/.exec(field);
    if (budget) {
      const entry = budgets.get(budget[1]!) ?? { period: budget[1] };
      entry[budget[2]!] = Number(value);
      budgets.set(budget[1]!, entry);
    } else if (field === 'models') body[field] = value.split(',').filter((model) => model !== '');
    else body[field] = numbers.has(field) ? Number(value) : value;
  }
  if (budgets.size > 0) body['budgets'] = [...budgets.values()];
  return body;
}

/** The running gateway's admin API: GATEWAY_URL (default http://127.0.0.1:$PORT) with GATEWAY_ADMIN_KEY. */
function target(io: CliIo): { url: string; key: string } {
  const url = io.env['GATEWAY_URL'] ?? `http://127.0.0.1:${io.env['PORT'] ?? '8080'}`;
  const key = io.env['GATEWAY_ADMIN_KEY'] ?? io.env['GATEWAY_ADMIN_KEYS']?.split(',')[0]?.trim();
  if (!key) throw new Error('set GATEWAY_ADMIN_KEY (or GATEWAY_ADMIN_KEYS) to an admin key of the gateway');
  return { url: url.replace(/\/$/, ''), key };
}

/**
 * `gateway keys create <name> [field=value...] | list | revoke <id> | rotate <id>`: managed API keys through the
 * running gateway's `/admin/keys` (so every instance sees them); prints the answer's JSON (a new secret once).
 */
export async function keysCommand(
  action: string | undefined,
  args: readonly string[],
  io: CliIo,
): Promise<number> {
  const { url, key } = target(io);
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}/admin/keys${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) {
      io.stderr(`gateway keys ${action}: ${response.status} ${text}`);
      return 1;
    }
    io.stdout(text === '' ? `${action}d` : text);
    return 0;
  };
  const [first, ...rest] = args;
  switch (action) {
    case 'create':
      if (!first) throw new Error('a name is required: gateway keys create <name> [field=value...]');
      return call('POST', '', { name: first, ...keyFields(rest) });
    case 'list':
      return call('GET', '');
    case 'revoke':
    case 'rotate':
      if (!first) throw new Error(`a key id is required: gateway keys ${action} <id>`);
      return action === 'revoke'
        ? call('DELETE', `/${encodeURIComponent(first)}`)
        : call('POST', `/${encodeURIComponent(first)}/rotate`);
    default:
      throw new Error(
        'usage: gateway keys create <name> [field=value...] | list | revoke <id> | rotate <id>',
      );
  }
}
