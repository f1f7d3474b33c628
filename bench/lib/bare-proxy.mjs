// The floor for a Node gateway: a bare node:http pass-through proxy, one listening port per upstream
// of BARE_PROXY_UPSTREAMS ({ name: url }). Requests and responses are piped byte for byte through a
// keep-alive agent; nothing is parsed. Prints one JSON line ({ name: proxy URL }), then serves until
// SIGTERM/SIGINT or until its stdin closes.
import { Agent, createServer, request } from 'node:http';
import { serveUntilStopped } from './run-kit.mjs';

const upstreams = JSON.parse(process.env.BARE_PROXY_UPSTREAMS ?? '{}');
const agent = new Agent({ keepAlive: true, keepAliveMsecs: 30_000 });
// Hop-by-hop headers belong to one connection; the proxy's own connections set theirs.
const hopByHop = ['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade'];

function withoutHopByHop(headers) {
  for (const name of hopByHop) delete headers[name];
  return headers;
}

function proxyTo(base) {
  const upstream = new URL(base);
  const prefix = upstream.pathname.replace(/\/$/, '');
  return (req, res) => {
    const outgoing = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: prefix + req.url,
        headers: withoutHopByHop({ ...req.headers, host: upstream.host }),
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode, withoutHopByHop(answer.headers));
        answer.pipe(res);
      },
    );
    outgoing.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('bad gateway');
    });
    req.pipe(outgoing);
  };
}

const servers = [];
const urls = {};
for (const [name, base] of Object.entries(upstreams)) {
  const server = createServer({ keepAliveTimeout: 72_000 }, proxyTo(base));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  urls[name] = `http://127.0.0.1:${server.address().port}`;
}

function stop() {
  for (const server of servers) server.close();
  for (const server of servers) server.closeAllConnections();
  agent.destroy();
  process.exit(0);
}
serveUntilStopped(stop, urls);
