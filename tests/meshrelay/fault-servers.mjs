// The two servers meshrelay depends on, made to misbehave on command, for
// tests/meshrelay/faults.sh: a live media playlist (2 s segments, one added
// every 2 s) and a WebTorrent tracker (ws). Both bind 127.0.0.1 and stop by
// themselves after --lifetime seconds.
//
//   node fault-servers.mjs --lifetime 90
// prints {"playlist": URL, "tracker": URL, "control": URL} on stdout; then
//   POST <control>?playlist=ok|404|500|stall   the playlist's next answers
//   POST <control>?tracker=ok|garbage|down      garbage: every connection sent junk
//        (not JSON, JSON of the wrong shape, a 1 MB text), then closed; down: every
//        connection closed and the port refused until ok; silent: every connection
//        kept open but neither read nor answered (no PONG), as a stopped server
// and GET <control> gives the tracker's counts: {"connections":N,"announces":N,"connect_times":[ms…]}.
import http from 'node:http';
import { WebSocketServer } from 'ws';

const lifetime = Number(process.argv[process.argv.indexOf('--lifetime') + 1] || 90);
const state = { playlist: 'ok', tracker: 'ok', connections: 0, announces: 0, connectTimes: [] };
const started = Date.now();
const segment = Buffer.alloc(40000, 7);

function playlistText() {
  const newest = 100 + Math.floor((Date.now() - started) / 2000);
  const first = Math.max(100, newest - 5);
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', `#EXT-X-MEDIA-SEQUENCE:${first}`];
  for (let k = first; k <= newest; ++k) lines.push('#EXTINF:2.000,', `seg${k}.ts`);
  return `${lines.join('\n')}\n`;
}

const web = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/control') {
    for (const k of ['playlist', 'tracker']) if (url.searchParams.has(k)) setMode(k, url.searchParams.get(k));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ connections: state.connections, announces: state.announces, connect_times: state.connectTimes }));
    return;
  }
  if (url.pathname === '/live/media.m3u8') {
    if (state.playlist === 'stall') return; // never answered: the client's timeout must say so
    if (state.playlist !== 'ok') { res.writeHead(Number(state.playlist)); res.end('fault\n'); return; }
    res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' });
    res.end(playlistText());
    return;
  }
  if (/^\/live\/seg\d+\.ts$/.test(url.pathname)) { res.writeHead(200); res.end(segment); return; }
  res.writeHead(404); res.end();
});

let trackerHttp = null;
let trackerPort = 0;
const wss = new WebSocketServer({ noServer: true });
function spew(ws) {
  ws.send('this is not JSON {{{');
  ws.send(JSON.stringify([1, 2, 3]));
  ws.send(JSON.stringify({ action: 'announce', info_hash: 42, offer: 'x', offer_id: null, peer_id: 5 }));
  ws.send(JSON.stringify({ action: 'announce', answer: { sdp: 7 }, peer_id: [], info_hash: {} }));
  // Well formed, but answering an offer the relay never made.
  ws.send(JSON.stringify({ action: 'announce', answer: { type: 'answer', sdp: 'v=0\r\n' },
    offer_id: 'nobody-offered-this!', peer_id: '-PM0203-aaaaaaaaaaaa', info_hash: 'x'.repeat(20) }));
  ws.send(JSON.stringify({ action: 'announce', 'failure reason': 17 }));
  ws.send('x'.repeat(1 << 20));
  setTimeout(() => ws.close(1011, 'garbage'), 200);
}

wss.on('connection', (ws) => {
  state.connections += 1;
  state.connectTimes.push(Date.now() - started);
  ws.on('message', (data) => {
    let msg = null;
    try { msg = JSON.parse(String(data)); } catch { /* not an announce */ }
    if (msg?.action === 'announce') state.announces += 1;
  });
  if (state.tracker === 'garbage') spew(ws);
  if (state.tracker === 'silent') ws._socket.pause();
});

function listenTracker() {
  trackerHttp = http.createServer((_req, res) => { res.writeHead(404); res.end(); });
  trackerHttp.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
  return new Promise((resolve) => trackerHttp.listen(trackerPort, '127.0.0.1', () => {
    trackerPort = trackerHttp.address().port;
    resolve();
  }));
}

function setMode(kind, mode) {
  const was = state[kind];
  state[kind] = mode;
  if (kind !== 'tracker') return;
  if (mode === 'garbage') for (const c of wss.clients) spew(c);
  if (mode === 'silent') for (const c of wss.clients) c._socket.pause();
  if (mode === 'down' && was !== 'down') {
    for (const c of wss.clients) c.terminate();
    trackerHttp.close();
    trackerHttp.closeAllConnections?.();
  } else if (mode !== 'down' && was === 'down') {
    listenTracker();
  }
}

await listenTracker();
web.listen(0, '127.0.0.1', () => {
  const p = web.address().port;
  console.log(JSON.stringify({ playlist: `http://127.0.0.1:${p}/live/media.m3u8`,
    tracker: `ws://127.0.0.1:${trackerPort}/announce`, control: `http://127.0.0.1:${p}/control` }));
});
setTimeout(() => process.exit(0), lifetime * 1000).unref();
