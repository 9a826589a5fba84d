// N viewers reporting to sigd's POST /report every 10 s (www/report.js's
// cadence), each report on a connection of its own like a page's beacon,
// spread evenly over the interval. Runs until killed; prints the answers'
// statuses on SIGTERM.   node reporters.mjs HOST:PORT VIEWERS
import http from 'node:http';

const [target, viewersArg] = process.argv.slice(2);
const viewers = Number(viewersArg || 1000);
const statuses = {};
const seq = new Array(viewers).fill(0);
const bytes = new Array(viewers).fill(0);
let next = 0;

function send(i) {
  seq[i] += 1;
  bytes[i] += 250000;
  const body = JSON.stringify({
    v: 1, id: `bench-viewer-${i}`, stream: 'https://cdn.example/live/stream.m3u8', rendition: '720p', seq: seq[i],
    p2p: Math.round(bytes[i] * 0.8), cdn: Math.round(bytes[i] * 0.2), origin: 0, other: 0, up: bytes[i], peers: 4,
    stalls: 0, stalled_s: 0, latency: 20, state: 'playing',
  });
  const req = http.request(`http://${target}/report`, { method: 'POST', agent: false, headers: { 'content-type': 'text/plain' } }, (res) => {
    statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
    res.resume();
  });
  req.on('error', () => { statuses.error = (statuses.error || 0) + 1; });
  req.end(body);
}

const tickMs = 10;
setInterval(() => {
  const perTick = (viewers / 10000) * tickMs; // viewers/10 s
  const count = Math.floor(perTick) + (Math.random() < perTick % 1 ? 1 : 0);
  for (let k = 0; k < count; k++) { send(next); next = (next + 1) % viewers; }
}, tickMs);
process.on('SIGTERM', () => { console.log(`reports ${JSON.stringify(statuses)}`); process.exit(0); });
