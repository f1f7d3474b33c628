// The usage dashboard: filters live in the URL, so a view can be shared by its address.
(() => {
  const RANGES = { '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3 };
  const FILTERS = ['project', 'principal', 'model', 'backend', 'surface'];
  const COLORS = ['#2f6fde', '#e0672f', '#2f9e6b', '#b23fbf', '#c9a400', '#3fa7bf', '#7a7a7a'];
  const params = new URLSearchParams(location.search);
  const range = RANGES[params.get('range')] ? params.get('range') : '24h';
  const bucket = params.get('bucket') === 'day' ? 'day' : 'hour';

  const byId = (id) => document.getElementById(id);
  const form = byId('filters');
  form.elements.range.value = range;
  form.elements.bucket.value = bucket;
  for (const name of FILTERS) form.elements[name].value = params.get(name) ?? '';
  // Empty fields stay out of the shared address.
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (value !== '') next.set(name, String(value));
    location.search = next.toString();
  });

  const number = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'));
  const usd = (n) => (n === null || n === undefined ? '–' : `$${Number(n).toFixed(n >= 100 ? 2 : 4)}`);
  const ms = (p) => [p.p50, p.p95, p.p99].map((v) => (v === null ? '–' : v.toFixed(1))).join(' / ');

  // Whole hours, so the server answers from its hourly rollups instead of the raw records.
  const from = Math.floor((Date.now() - RANGES[range]) / 3600e3) * 3600e3;
  function usageUrl(extra) {
    const query = new URLSearchParams({ from: new Date(from).toISOString() });
    for (const name of FILTERS) if (params.get(name)) query.set(name, params.get(name));
    for (const [name, value] of Object.entries(extra)) query.set(name, value);
    return `/admin/usage?${query}`;
  }

  async function json(url) {
    const response = await fetch(url, { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  function table(id, head, rows) {
    const element = byId(id);
    element.replaceChildren();
    const header = element.createTHead().insertRow();
    head.forEach(([label, numeric]) => {
      const th = document.createElement('th');
      th.textContent = label;
      if (numeric) th.className = 'num';
      header.append(th);
    });
    const body = element.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      row.forEach((value, index) => {
        const td = tr.insertCell();
        td.textContent = value;
        if (head[index][1]) td.className = 'num';
      });
    }
  }

  function chart(id, series, labels) {
    const element = byId(id);
    element.replaceChildren();
    const options = {
      width: Math.max(300, element.clientWidth),
      height: 240,
      // The whole chosen range, so a single bucket is not stretched over years.
      scales: { x: { time: true, range: () => [from / 1000, Date.now() / 1000] } },
      series: [
        {},
        ...labels.map((label, i) => ({
          label,
          stroke: COLORS[i % COLORS.length],
          width: 2,
          points: { show: true },
        })),
      ],
    };
    new uPlot(options, series, element);
  }

  // Rows of one bucket per time: x values (s) and one aligned series per label (null: no records).
  function alignSeries(rows, labelOf, valueFor) {
    const times = [...new Set(rows.map((row) => row.bucket))].sort();
    const labels = [...new Set(rows.map(labelOf))];
    const series = labels.map((label) =>
      times.map((time) => {
        const row = rows.find((r) => r.bucket === time && labelOf(r) === label);
        return row ? valueFor(row) : null;
      }),
    );
    return { data: [times.map((time) => Date.parse(time) / 1000), ...series], labels };
  }

  async function loadUsage() {
    const [overall, byProject, byPrincipal, byModel] = await Promise.all([
      json(usageUrl({ bucket })),
      json(usageUrl({ bucket, group_by: 'project' })),
      json(usageUrl({ group_by: 'principal' })),
      json(usageUrl({ group_by: 'model' })),
    ]);
    const t = overall.totals;
    const errors = Object.values(t.errors).reduce((sum, n) => sum + n, 0);
    byId('total-requests').textContent = number(t.requests);
    byId('total-tokens').textContent = number(t.total_tokens);
    byId('total-cost').textContent = usd(t.cost_usd);
    byId('total-split').textContent = `${number(t.prompt_tokens)} / ${number(t.completion_tokens)}`;
    byId('total-errors').textContent = number(errors);
    byId('cache-rate').textContent = `${(t.cache_hit_rate * 100).toFixed(1)}%`;
    byId('llm-latency').textContent = ms(t.llm_latency_ms);
    byId('overhead-latency').textContent = ms(t.gateway_overhead_ms);

    const tokens = alignSeries(
      byProject.rows,
      (row) => row.keys.project ?? '(none)',
      (row) => row.total_tokens,
    );
    chart('tokens-chart', tokens.data, tokens.labels);
    const times = overall.rows.map((row) => Date.parse(row.bucket) / 1000);
    const failed = overall.rows.map((row) => Object.values(row.errors).reduce((sum, n) => sum + n, 0));
    chart('requests-chart', [times, overall.rows.map((row) => row.requests), failed], ['requests', 'errors']);

    const top = [...byPrincipal.rows].sort((a, b) => b.total_tokens - a.total_tokens).slice(0, 10);
    table(
      'principals',
      [['Principal'], ['Requests', true], ['Tokens', true], ['Cost', true], ['Errors', true]],
      top.map((row) => [
        row.keys.principal ?? '(anonymous)',
        number(row.requests),
        number(row.total_tokens),
        usd(row.cost_usd),
        number(Object.values(row.errors).reduce((sum, n) => sum + n, 0)),
      ]),
    );
    table(
      'models',
      [['Model'], ['Requests', true], ['LLM p50/p95/p99', true], ['Overhead p50/p95/p99', true]],
      byModel.rows.map((row) => [
        row.keys.model ?? '(none)',
        number(row.requests),
        ms(row.llm_latency_ms),
        ms(row.gateway_overhead_ms),
      ]),
    );
    await loadKeys(byPrincipal.rows);
  }

  // Managed keys with their spend in the range (principal `<scheme>:<id>`), each with a Revoke button.
  async function loadKeys(principalRows) {
    const listed = await json('/admin/keys').catch(() => null);
    const section = byId('keys-section');
    section.hidden = !listed;
    if (!listed) return;
    const spend = (id) => principalRows.find((row) => (row.keys.principal ?? '').endsWith(`:${id}`));
    table(
      'keys',
      [['Name'], ['Id'], ['Project'], ['Requests', true], ['Cost', true], ['']],
      listed.keys.map((key) => [
        key.name,
        key.id,
        key.project ?? '',
        number(spend(key.id)?.requests ?? 0),
        usd(spend(key.id)?.cost_usd ?? 0),
        '',
      ]),
    );
    const rows = byId('keys').tBodies[0].rows;
    listed.keys.forEach((key, index) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Revoke';
      button.dataset.key = key.id;
      button.addEventListener('click', async () => {
        if (!confirm(`Revoke ${key.name} (${key.id})? Clients using it are refused within a second.`)) return;
        const response = await fetch(`/admin/keys/${encodeURIComponent(key.id)}`, { method: 'DELETE' });
        byId('status').textContent = response.ok
          ? `revoked ${key.id}`
          : `revoking ${key.id}: HTTP ${response.status}`;
        await loadKeys(principalRows);
      });
      rows[index].cells[5].append(button);
    });
  }

  function describe(value) {
    if (value === null || typeof value !== 'object') return String(value);
    return Object.entries(value)
      .filter(([, v]) => v === null || typeof v !== 'object')
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
  }

  async function loadLive() {
    const [health, metrics] = await Promise.all([
      json('/health'),
      json('/metrics?format=json').catch(() => ({})),
    ]);
    const live = byId('live');
    live.replaceChildren();
    const facts = {
      status: health.status,
      backends: health.backends,
      circuit_breaker: metrics.circuit_breaker ?? health.circuit_breaker,
      rate_limiter: metrics.rate_limiter ?? health.rate_limiter,
      queue: health.queue,
      redis_connected: health.redis_connected,
    };
    const rows = Object.entries(facts)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, describe(value)]);
    for (const sink of (health.telemetry ?? metrics.telemetry)?.sinks ?? []) {
      rows.push([`sink ${sink.name}`, `${sink.healthy ? 'healthy' : 'unhealthy'}, written: ${sink.written}`]);
    }
    const element = document.createElement('table');
    element.id = 'live-table';
    live.append(element);
    table('live-table', [['Component'], ['State']], rows);
  }

  async function refresh() {
    try {
      await Promise.all([loadUsage(), loadLive()]);
      byId('status').textContent = '';
      document.body.dataset.loaded = 'true';
    } catch (error) {
      byId('status').textContent = String(error.message ?? error);
    }
  }
  refresh();
  setInterval(loadLive, 10_000);
})();
