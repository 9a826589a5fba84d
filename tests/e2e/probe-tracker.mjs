// Is there a working WebTorrent tracker at this URL? Announces once (as
// p2p-media-loader does) and expects an announce reply with an interval.
//   node probe-tracker.mjs ws://127.0.0.1:PORT/announce     → exit 0 if so
import WebSocket from 'ws';

const url = process.argv[2];
const id = (c) => String.fromCharCode(...Array.from({ length: 20 }, (_, i) => (c + i * 7) % 256));
const ws = new WebSocket(url);
const fail = (why) => { console.error(`probe-tracker: ${url}: ${why}`); process.exit(1); };
const timer = setTimeout(() => fail('no announce reply within 3 s'), 3000);
ws.on('error', (e) => fail(e.message));
ws.on('open', () => ws.send(JSON.stringify({
  action: 'announce', info_hash: id(1), peer_id: id(2), numwant: 5, uploaded: 0, downloaded: 0,
  left: 0, event: 'started', offers: [],
})));
ws.on('message', (data) => {
  let msg;
  try { msg = JSON.parse(data); } catch { fail(`not JSON: ${String(data).slice(0, 80)}`); }
  if (msg['failure reason']) fail(`failure reason: ${msg['failure reason']}`);
  if (msg.action === 'announce' && Number.isFinite(msg.interval)) {
    clearTimeout(timer); ws.close(); process.exit(0);
  }
});
