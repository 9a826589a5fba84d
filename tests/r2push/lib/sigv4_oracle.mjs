// SigV4 oracle: a loopback proxy that recomputes, for every request it
// relays, the canonical request exactly as AWS defines it (from what curl
// actually sent: raw path, raw query, headers, body) and checks the
// signature with the known secret. Requests then go on to s3rver unchanged.
//
//   node sigv4_oracle.mjs UPSTREAM_PORT SECRET LOG.jsonl
// Prints "oracle listening on PORT"; appends one JSON line per request:
// {method, url, ok, problems: [...]}.
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';

const [upstreamPort, secret, logPath] = process.argv.slice(2);
const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();

// AWS URI encoding: unreserved characters stay, everything else %XX upper-case.
function awsEncode(text, keepSlash) {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function canonicalRequest(method, rawUrl, headers, signedHeaders, payloadHash) {
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);
  // S3: the path is encoded once (no double encoding), from its decoded form.
  const path = rawPath.split('/').map((s) => awsEncode(decodeURIComponent(s), false)).join('/');
  const params = rawQuery === '' ? [] : rawQuery.split('&').map((p) => {
    const eq = p.indexOf('=');
    const name = decodeURIComponent(eq < 0 ? p : p.slice(0, eq));
    const value = eq < 0 ? '' : decodeURIComponent(p.slice(eq + 1));
    return [awsEncode(name, false), awsEncode(value, false)];
  });
  params.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const query = params.map(([n, v]) => `${n}=${v}`).join('&');
  const canonHeaders = signedHeaders
    .map((h) => `${h}:${String(headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  return [method, path, query, canonHeaders, signedHeaders.join(';'), payloadHash].join('\n');
}

function verify(req, body) {
  const problems = [];
  const auth = req.headers.authorization || '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return ['no parsable AWS4-HMAC-SHA256 Authorization header'];
  const [, , date, region, service, signedList, signature] = m;
  const signed = signedList.split(';');
  const dates = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i].toLowerCase() === 'x-amz-date') dates.push(req.rawHeaders[i + 1]);
  }
  if (dates.length !== 1) problems.push(`x-amz-date sent ${dates.length} times`);
  const amzDate = dates[0] || '';
  if (!amzDate.startsWith(date)) problems.push('credential date differs from x-amz-date');
  const payloadHash = req.headers['x-amz-content-sha256'];
  if (!payloadHash) problems.push('no x-amz-content-sha256 header (R2 rejects this)');
  else if (payloadHash !== sha256(body)) problems.push('x-amz-content-sha256 is not the SHA-256 of the body');
  for (const h of signed) {
    if (!(h in req.headers)) problems.push(`signed header ${h} was not sent (an empty "remove" entry?)`);
  }
  for (const h of ['host', 'x-amz-date', 'x-amz-content-sha256']) {
    if (!signed.includes(h)) problems.push(`${h} not signed`);
  }
  if (body.length > 0 && !req.headers['content-type']) problems.push('a body without Content-Type');
  if (req.headers['content-type'] === 'application/x-www-form-urlencoded') problems.push('curl default Content-Type leaked');
  const canonical = canonicalRequest(req.method, req.url, req.headers, signed, payloadHash || sha256(body));
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac('AWS4' + secret, date);
  key = hmac(key, region);
  key = hmac(key, service);
  key = hmac(key, 'aws4_request');
  const expected = crypto.createHmac('sha256', key).update(stringToSign).digest('hex');
  if (expected !== signature) problems.push('signature does not match the AWS canonical request:\n' + canonical);
  return problems;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const problems = verify(req, body);
    fs.appendFileSync(logPath, JSON.stringify({ method: req.method, url: req.url, ok: problems.length === 0, problems }) + '\n');
    const headers = { ...req.headers };
    delete headers.expect;  // the 100-continue exchange happened with us
    const up = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers }, (ur) => {
      res.writeHead(ur.statusCode, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    up.end(body);
  });
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => console.log(`oracle listening on ${server.address().port}`));
const parent = process.ppid;
setInterval(() => { try { process.kill(parent, 0); } catch { process.exit(0); } }, 1000).unref();
