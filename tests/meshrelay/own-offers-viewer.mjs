// A viewer that makes no offers, on the libraries p2p-media-loader's
// viewers run: bittorrent-tracker's client, simple-peer (node-datachannel as
// its WebRTC) and p2p-media-loader-core's own PeerProtocol. It announces with
// numwant 0, so a connection can only come from an offer another peer made
// and the tracker relayed: in a swarm of this viewer and meshrelay, the
// relay's own. It requests the newest segment the peer announces and prints,
// as JSON, who connected and what arrived.
//   node own-offers-viewer.mjs ws://127.0.0.1:PORT/announce INFO_HASH SECONDS
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'bittorrent-tracker';
import { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate } from 'node-datachannel/polyfill';

const [tracker, infoHash, seconds] = process.argv.slice(2);
if (!tracker || !infoHash) {
  console.error('usage: node own-offers-viewer.mjs ws://HOST:PORT/announce INFO_HASH [SECONDS]');
  process.exit(64);
}

// p2p-media-loader's PeerProtocol, from a copy of the installed bundle that
// also exports it (the bundle exports only its public API).
const modules = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules');
const bundle = fs.readFileSync(path.join(modules, 'p2p-media-loader-core/dist/p2p-media-loader-core.es.js'), 'utf8');
const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'p2pml-')), 'core.mjs');
fs.writeFileSync(copy, `${bundle}\nexport { PeerProtocol as __PeerProtocol };\n`);
// It touches browser globals when loaded; bittorrent-tracker's client here uses `ws`.
globalThis.self ??= globalThis;
globalThis.WebSocket ??= class {};
const { __PeerProtocol: PeerProtocol } = await import(copy);
fs.rmSync(path.dirname(copy), { recursive: true });

const utf8 = (s) => new TextEncoder().encode(s);
const peerId = `-PM0203-${crypto.randomBytes(9).toString('base64url').slice(0, 12)}`;
const result = { viewer: peerId, offers_answered: 0, peer: null, segment: null, size: null, bytes: 0, sha256: null };
const finish = (code) => {
  console.log(JSON.stringify(result));
  client.destroy();
  process.exit(code);
};

const client = new Client({
  infoHash: utf8(infoHash),
  peerId: utf8(peerId),
  announce: [tracker],
  port: 6881, // required in node, unused by a ws:// tracker
  wrtc: { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate },
  getAnnounceOpts: () => ({ numwant: 0 }), // no offers of its own
  // p2p-media-loader's default STUN servers are out of reach here: host
  // candidates only, or each answer waits for simple-peer's 5 s ICE timeout.
  rtcConfig: { iceServers: [] },
});
client.on('warning', (err) => console.error(`viewer warning: ${err.message}`));
client.on('error', (err) => console.error(`viewer error: ${err.message}`));
client.on('peer', (connection) => {
  result.offers_answered++;
  connection.on('error', (err) => console.error(`peer error: ${err.message}`));
  connection.once('connect', () => serve(connection));
});
client.start();
setTimeout(() => finish(1), Number(seconds || 30) * 1000);

function serve(connection) {
  if (result.peer) return connection.destroy();
  result.peer = Buffer.from(connection.id, 'hex').toString('utf8');
  const chunks = [];
  const protocol = new PeerProtocol(connection, { webRtcMaxMessageSize: 64 * 1024 - 1 }, {
    onSegmentChunkReceived: (data) => chunks.push(Buffer.from(data)),
    onCommandReceived: (command) => {
      if (command.c === 0 && result.segment === null && command.l?.length) {
        result.segment = Math.max(...command.l);
        protocol.sendCommand({ c: 1, i: result.segment, r: 1 });
      } else if (command.c === 2) {
        result.size = command.s;
      } else if (command.c === 3) {
        const data = Buffer.concat(chunks);
        result.bytes = data.length;
        result.sha256 = crypto.createHash('sha256').update(data).digest('hex');
        finish(result.bytes === result.size ? 0 : 1);
      } else if (command.c === 4) {
        console.error(`the peer has no segment ${command.i}`);
        finish(1);
      }
    },
  }, { getEventDispatcher: () => () => {} });
}
