// A bucket's lifecycle configuration on loopback (s3rver answers
// NotImplemented to ?lifecycle=): GET returns STATE/lifecycle.xml, or 404
// NoSuchLifecycleConfiguration when there is none; PUT checks Content-MD5 and
// stores the body there. STATE/get_status, when present, makes GET fail with
// that status (AccessDenied). Every request is appended to STATE/requests.jsonl.
// Put the SigV4 oracle in front of it to check the signatures too.
//   node lifecycle_store.mjs STATE_DIR  → "store listening on PORT"
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const [stateDir] = process.argv.slice(2);
const file = (name) => path.join(stateDir, name);
const xmlError = (code) => `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code}</Message></Error>`;

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    fs.appendFileSync(file('requests.jsonl'), JSON.stringify({ method: req.method, url: req.url }) + '\n');
    const reply = (status, text) => res.writeHead(status, { 'content-type': 'application/xml' }).end(text);
    if (!/\?lifecycle=?$/.test(req.url)) return reply(501, xmlError('NotImplemented'));
    if (req.method === 'GET') {
      if (fs.existsSync(file('get_status'))) return reply(Number(fs.readFileSync(file('get_status'), 'utf8')), xmlError('AccessDenied'));
      if (!fs.existsSync(file('lifecycle.xml'))) return reply(404, xmlError('NoSuchLifecycleConfiguration'));
      return reply(200, fs.readFileSync(file('lifecycle.xml')));
    }
    if (req.method === 'PUT') {
      const md5 = crypto.createHash('md5').update(body).digest('base64');
      if (req.headers['content-md5'] !== md5) return reply(400, xmlError('InvalidDigest'));
      fs.writeFileSync(file('lifecycle.xml'), body);
      return reply(200, '');
    }
    return reply(405, xmlError('MethodNotAllowed'));
  });
});
server.listen(0, '127.0.0.1', () => console.log(`store listening on ${server.address().port}`));
const parent = process.ppid;
setInterval(() => { try { process.kill(parent, 0); } catch { process.exit(0); } }, 1000).unref();
