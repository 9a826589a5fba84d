// A live HLS server for tunnelcheck's tests and benchmark: it serves real
// ffmpeg segments (from --dir) as a sliding live window that advances every
// target duration, and misbehaves on purpose depending on the first path
// component (the "mode"): /good/live.m3u8, /nocors/live.m3u8, /slow/..., etc.
// Binds 127.0.0.1 on a free port, prints the port on stdout, exits on its own
// after --lifetime seconds (default 300).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const dir = args.dir;
const td = Number(args.td ?? 2);
const windowSize = Number(args.window ?? 60);
const lifetime = Number(args.lifetime ?? 300);

const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).sort(
  (a, b) => Number(a.match(/(\d+)/)[1]) - Number(b.match(/(\d+)/)[1]));
if (!files.length) throw new Error(`no .ts files in ${dir}`);
const segments = files.map((f) => fs.readFileSync(path.join(dir, f)));
const peakBps = Math.max(...segments.map((s) => (s.length * 8) / td));
const avgBps = segments.reduce((n, s) => n + s.length, 0) * 8 / (segments.length * td);

const startMs = Date.now();
const startWall = Date.now();
const fetchCount = new Map();  // mode → playlist fetches, for msnback

// The live edge: MSNs [end - window, end). Starts with a full window.
function liveEnd(mode) {
  // +20: room for the msnback mode to go back without going negative.
  if (mode === 'stale') return windowSize + 20;
  return windowSize + 20 + Math.floor((Date.now() - startMs) / (td * 1000));
}

function playlist(mode, port, base) {
  const win = mode === 'short' ? 5 : windowSize;
  let end = liveEnd(mode);
  const n = (fetchCount.get(base) ?? 0) + 1;
  fetchCount.set(base, n);
  if (mode === 'msnback' && n > 1) end -= 10;  // the reload goes back in time
  const first = end - win;
  const reload = n > 1;
  const declaredTd = mode === 'tdchange' && reload ? td + 1 : td;  // TD must never change
  const prefix = mode === 'urichange' && reload ? 'b-' : '';        // same MSN, new URI
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${declaredTd}`, `#EXT-X-MEDIA-SEQUENCE:${first}`];
  if (mode === 'huge') lines.push(`#X-PADDING:${'x'.repeat(2 * 1024 * 1024)}`);
  for (let msn = first; msn < end; msn++) {
    const pdt = new Date(startWall + (msn - windowSize - 20) * td * 1000).toISOString();  // the edge is 'now'
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${pdt}`);
    lines.push(`#EXTINF:${mode === 'wrongextinf' ? '1.000' : td.toFixed(3)},`);
    lines.push(mode === 'localhost' ? `http://localhost:${port}/good/seg${msn}.ts` : `${prefix}seg${msn}.ts`);
  }
  return lines.join('\n') + '\n';
}

function cors(res, mode) {
  if (mode === 'nocors') return;
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (mode !== 'noexpose') res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range');
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const parts = url.pathname.split('/').filter(Boolean);
  const mode = parts[0] ?? 'good';
  const name = parts[parts.length - 1] ?? '';
  const port = server.address().port;
  const cf = { Server: 'cloudflare', 'CF-RAY': '8f0000000000-AMS' };

  if (mode === 'slow' || mode === 'hang') return setTimeout(() => res.destroyed || res.end('late'), 20000);
  if (mode === 'garbage') {
    res.socket.end('this is not HTTP at all\r\n\x00\x01\x02\r\n\r\n');
    return;
  }
  if (mode === 'cf530') { res.writeHead(530, { ...cf, 'Content-Type': 'text/plain' }); return res.end('error code: 1033'); }
  if (mode === 'cf502') { res.writeHead(502, { ...cf, 'Content-Type': 'text/html' }); return res.end('<html>Bad gateway</html>'); }
  if (mode === 'cf524') { res.writeHead(524, { ...cf, 'Content-Type': 'text/html' }); return res.end('<html>A timeout occurred</html>'); }
  if (mode === 'cf404') { res.writeHead(404, { ...cf, 'Content-Length': '0' }); return res.end(); }

  if (req.method === 'OPTIONS') {
    if (mode === 'nocors') { res.writeHead(405); return res.end(); }
    res.writeHead(204, {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'GET, HEAD',
      'Access-Control-Allow-Headers': mode === 'norangecors' ? 'Content-Type' : 'Range',
      'Access-Control-Max-Age': '600',
    });
    return res.end();
  }
  cors(res, mode);

  if (name === 'master.m3u8') {
    const bw = mode === 'bw1' ? 1 : Math.ceil(peakBps * 1.2);
    const body = ['#EXTM3U', '#EXT-X-VERSION:3',
      `#EXT-X-STREAM-INF:BANDWIDTH=${bw},AVERAGE-BANDWIDTH=${Math.min(bw, Math.ceil(avgBps))},CODECS="avc1.64000d,mp4a.40.2",RESOLUTION=320x240`,
      'v0/live.m3u8', ''].join('\n');
    res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl', 'Cache-Control': 'max-age=1' });
    return res.end(body);
  }
  if (name === 'live.m3u8') {
    const body = playlist(mode, port, url.pathname);
    res.writeHead(200, {
      'Content-Type': mode === 'badtype' ? 'text/plain' : 'application/vnd.apple.mpegurl',
      'Cache-Control': mode === 'cachelong' ? 'max-age=60' : 'max-age=1',
    });
    return res.end(body);
  }
  const m = name.match(/^(?:b-)?seg(\d+)\.ts$/);
  if (!m) { res.writeHead(404, { 'Content-Type': 'text/plain' }); return res.end('not found\n'); }
  const msn = Number(m[1]);
  const end = liveEnd(mode);
  if (mode === 'expired' && (msn < end - windowSize || msn >= end)) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    return res.end('expired\n');
  }
  const data = segments[msn % segments.length];
  const type = mode === 'badtype' ? 'application/octet-stream' : 'video/mp2t';
  if (mode === 'midclose') {
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': String(data.length) });
    res.write(data.subarray(0, 1000));
    return setTimeout(() => res.socket.destroy(), 50);
  }
  const range = req.headers.range?.match(/^bytes=(\d+)-(\d*)$/);
  if (range && mode !== 'no206') {
    const a = Number(range[1]);
    const b = Math.min(range[2] ? Number(range[2]) : data.length - 1, data.length - 1);
    res.writeHead(206, { 'Content-Type': type, 'Content-Length': String(b - a + 1), 'Content-Range': `bytes ${a}-${b}/${data.length}`,
      'Cache-Control': 'max-age=31536000, immutable' });
    return res.end(data.subarray(a, b + 1));
  }
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': String(data.length), 'Accept-Ranges': 'bytes',
    'Cache-Control': 'max-age=31536000, immutable' });
  res.end(data);
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
setTimeout(() => process.exit(0), lifetime * 1000).unref();
