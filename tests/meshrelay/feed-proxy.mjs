// sigd's live event feed passed through to meshrelay, made to misbehave on
// command, for tests/meshrelay/feed_source.sh. Each client gets a connection
// of its own to the real feed upstream (with its backlog). Binds 127.0.0.1
// and stops by itself after --lifetime seconds.
//
//   node feed-proxy.mjs --upstream ws://127.0.0.1:8000/events --lifetime 90
// prints {"feed": URL, "control": URL} on stdout; then
//   POST <control>?mode=garbage   every client is sent junk between the real
//        events: text that is not JSON, JSON that is not an event, segment
//        events without a number, one of a stream the relay does not follow,
//        a 2 MiB message; then the real events go on
//   POST <control>?mode=down      every connection cut and the port refused
//   POST <control>?mode=ok        back, on the same port
// and GET <control> gives {"connections": N, "garbage_lines": N, "unplaced": N}.
import http from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';

const arg = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const upstream = arg('--upstream');
const lifetime = Number(arg('--lifetime', 90));
const state = { mode: 'ok', connections: 0 };

// What the relay must name as bad lines (6), and one segment it cannot place.
const garbage = [
  'this is not JSON {{{',
  JSON.stringify([1, 2, 3]),
  JSON.stringify({ event: 7, msn: 1 }),
  JSON.stringify({ event: 'segment', stream: 'src', rendition: '0', url: 'http://127.0.0.1:1/x.ts' }),
  JSON.stringify({ event: 'segment', stream: 'src', rendition: '0', msn: 'twelve', url: 'http://127.0.0.1:1/x.ts' }),
  `{"event":"segment","pad":"${'x'.repeat(2 << 20)}"}`,
];
const unplaced = JSON.stringify({ event: 'segment', stream: 'elsewhere', rendition: 'hd', msn: 5,
  url: 'http://127.0.0.1:1/elsewhere/hd/seg5.ts' });

const wss = new WebSocketServer({ noServer: true });
wss.on('connection', (client) => {
  state.connections += 1;
  const up = new WebSocket(upstream);
  up.on('message', (data) => { if (client.readyState === WebSocket.OPEN) client.send(String(data)); });
  up.on('error', () => client.terminate());
  up.on('close', () => client.terminate());
  client.on('close', () => up.terminate());
  client.on('error', () => up.terminate());
});

let server = null;
let port = 0;
function listen() {
  server = http.createServer((_req, res) => { res.writeHead(404); res.end(); });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => { port = server.address().port; resolve(); }));
}

// The control endpoint lives on a server of its own: it stays up while the feed is down.
const control = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.searchParams.has('mode')) setMode(url.searchParams.get('mode'));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ connections: state.connections, garbage_lines: garbage.length, unplaced: 1 }));
});

function setMode(mode) {
  const was = state.mode;
  state.mode = mode;
  if (mode === 'garbage') {
    for (const c of wss.clients) { for (const line of garbage) c.send(line); c.send(unplaced); }
  } else if (mode === 'down' && was !== 'down') {
    for (const c of wss.clients) c.terminate();
    server.close();
    server.closeAllConnections?.();
  } else if (mode === 'ok' && was === 'down') {
    listen();
  }
}

await listen();
control.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ feed: `ws://127.0.0.1:${port}/events`,
    control: `http://127.0.0.1:${control.address().port}/control` }));
});
setTimeout(() => process.exit(0), lifetime * 1000).unref();
