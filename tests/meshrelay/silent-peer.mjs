// A peer that joins a swarm on a WebTorrent tracker and never answers the
// offers relayed to it: it counts them on stdout, one line each, until
// SIGTERM closes its connection (the tracker then drops it from the swarm).
//   node silent-peer.mjs ws://127.0.0.1:PORT/announce INFO_HASH
import WebSocket from 'ws';

const [url, infoHash] = process.argv.slice(2);
const ws = new WebSocket(url);
ws.on('open', () => ws.send(JSON.stringify({
  action: 'announce', info_hash: infoHash, peer_id: '-PM0203-silentsilent', numwant: 0,
  uploaded: 0, downloaded: 0, left: 1, event: 'started', offers: [],
})));
ws.on('message', (m) => { if (JSON.parse(m).offer) console.log('offer'); });
ws.on('error', (err) => { console.error(`silent peer: ${err.message}`); process.exit(69); });
process.on('SIGTERM', () => { ws.close(); setTimeout(() => process.exit(0), 100); });
