// Minimal static file server (Range, CORS, MIME types, no listing), used by the
// e2e test only when sigd cannot serve files yet.
//   node static-server.mjs PORT ROOT
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const [port, root] = [Number(process.argv[2]), path.resolve(process.argv[3] ?? '.')];
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.json': 'application/json', '.map': 'application/json',
  '.m3u8': 'application/vnd.apple.mpegurl', '.ts': 'video/mp2t', '.m4s': 'video/iso.segment', '.mp4': 'video/mp4',
};
const counts = { requests: 0, segments: 0, segmentBytes: 0, playlists: 0 };

http.createServer((req, res) => {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'Range');
  res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range');
  if (req.method === 'OPTIONS') { res.writeHead(204); res.end(); return; }
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/__stats') { res.setHeader('Content-Type', 'application/json'); res.end(JSON.stringify(counts)); return; }
  counts.requests += 1;
  let rel = decodeURIComponent(url.pathname);
  if (rel.endsWith('/')) rel += 'index.html';
  const file = path.join(root, path.normalize(rel));
  if (!file.startsWith(root + path.sep)) { res.writeHead(403); res.end(); return; }
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) { res.writeHead(404); res.end(); return; }
    const ext = path.extname(file);
    res.setHeader('Content-Type', types[ext] ?? 'application/octet-stream');
    res.setHeader('Cache-Control', ext === '.m3u8' ? 'no-cache' : 'max-age=3600');
    res.setHeader('Accept-Ranges', 'bytes');
    let start = 0; let end = st.size - 1; let status = 200;
    const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (m) {
      start = m[1] === '' ? Math.max(0, st.size - Number(m[2])) : Number(m[1]);
      end = m[1] !== '' && m[2] !== '' ? Math.min(Number(m[2]), st.size - 1) : st.size - 1;
      if (start > end) { res.writeHead(416, { 'Content-Range': `bytes */${st.size}` }); res.end(); return; }
      status = 206;
      res.setHeader('Content-Range', `bytes ${start}-${end}/${st.size}`);
    }
    res.setHeader('Content-Length', end - start + 1);
    if (ext === '.ts' || ext === '.m4s') { counts.segments += 1; counts.segmentBytes += end - start + 1; }
    if (ext === '.m3u8') counts.playlists += 1;
    res.writeHead(status);
    if (req.method === 'HEAD') { res.end(); return; }
    fs.createReadStream(file, { start, end }).pipe(res);
  });
}).listen(port, '127.0.0.1', () => console.error(`static-server: http://127.0.0.1:${port}/ → ${root}`));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
