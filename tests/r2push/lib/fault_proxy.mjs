// A fault-injecting HTTP proxy between r2push and s3rver. The first try of
// each object PUT meets the fault its number picks (key "sNNN"):
//   NNN % 6: 0 pass, 1 → 500, 2 → 429 with Retry-After: 1, 3 → connection
//   reset mid-body, 4 → 5 s stall before relaying, 5 → 503 on the first two tries.
// Keys containing "doomed" always get 500. Everything else is relayed as is.
// LOG.jsonl gets a line per request as it arrives and one ("answered") when
// a relayed answer has reached the client, each with its time in ms.
//   node fault_proxy.mjs UPSTREAM_PORT LOG.jsonl  → "proxy listening on PORT"
import http from 'node:http';
import fs from 'node:fs';

const [upstreamPort, logPath] = process.argv.slice(2);
const tries = new Map();
const log = (fault, req, extra = {}) =>
  fs.appendFileSync(logPath, JSON.stringify({ fault, method: req.method, url: req.url, ms: Date.now(), ...extra }) + '\n');

function relay(req, res, body) {
  const headers = { ...req.headers };
  delete headers.expect;
  const up = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers }, (ur) => {
    res.writeHead(ur.statusCode, ur.headers);
    ur.pipe(res);
    // When the client has the whole answer: the moment an object is published.
    res.on('finish', () => log('answered', req, { status: ur.statusCode }));
  });
  up.on('error', () => res.destroy());
  up.end(body);
}

function plan(req) {
  if (req.method !== 'PUT') return 'pass';
  if (req.url.includes('doomed')) return 'error500';
  const m = /s(\d{3})/.exec(req.url);
  if (!m) return 'pass';
  const n = Number(m[1]);
  const attempt = (tries.get(req.url) || 0) + 1;
  tries.set(req.url, attempt);
  const kind = ['pass', 'error500', 'retry_after', 'reset', 'stall', 'twice503'][n % 6];
  if (kind === 'twice503') return attempt <= 2 ? 'error503' : 'pass';
  return attempt === 1 ? kind : 'pass';
}

const server = http.createServer((req, res) => {
  const fault = plan(req);
  log(fault, req);
  const chunks = [];
  let got = 0;
  req.on('data', (c) => {
    chunks.push(c);
    got += c.length;
    if (fault === 'reset' && got > 0) req.socket.destroy();  // mid-body: the rest never arrives
  });
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const xml = (code) => `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected</Message></Error>`;
    switch (fault) {
      case 'error500':
        res.writeHead(500, { 'content-type': 'application/xml' }).end(xml('InternalError'));
        break;
      case 'error503':
        res.writeHead(503, { 'content-type': 'application/xml' }).end(xml('ServiceUnavailable'));
        break;
      case 'retry_after':
        res.writeHead(429, { 'content-type': 'application/xml', 'retry-after': '1' }).end(xml('TooManyRequests'));
        break;
      case 'stall':
        setTimeout(() => { if (!res.destroyed) relay(req, res, body); }, 5000);
        break;
      case 'reset':
        break;
      default:
        relay(req, res, body);
    }
  });
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => console.log(`proxy listening on ${server.address().port}`));
const parent = process.ppid;
setInterval(() => { try { process.kill(parent, 0); } catch { process.exit(0); } }, 1000).unref();
