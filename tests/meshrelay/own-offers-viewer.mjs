// own-offers-peer.mjs in node: bittorrent-tracker's client from npm,
// node-datachannel as simple-peer's WebRTC, p2p-media-loader-core's own
// PeerProtocol. Prints the result as JSON; exits 0 when a segment arrived
// whole.
//   node own-offers-viewer.mjs ws://127.0.0.1:PORT/announce INFO_HASH SECONDS
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'bittorrent-tracker';
import { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate } from 'node-datachannel/polyfill';
import { fetchThroughOffer } from './own-offers-peer.mjs';

const [tracker, infoHash, seconds] = process.argv.slice(2);
if (!tracker || !infoHash) {
  console.error('usage: node own-offers-viewer.mjs ws://HOST:PORT/announce INFO_HASH [SECONDS]');
  process.exit(64);
}

// PeerProtocol from a copy of the installed bundle that also exports it (the
// bundle exports only its public API). It touches browser globals when
// loaded; bittorrent-tracker's client here uses `ws`.
const modules = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules');
const bundle = fs.readFileSync(path.join(modules, 'p2p-media-loader-core/dist/p2p-media-loader-core.es.js'), 'utf8');
const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'p2pml-')), 'core.mjs');
fs.writeFileSync(copy, `${bundle}\nexport { PeerProtocol as __PeerProtocol };\n`);
globalThis.self ??= globalThis;
globalThis.WebSocket ??= class {};
const { __PeerProtocol: PeerProtocol } = await import(copy);
fs.rmSync(path.dirname(copy), { recursive: true });

const result = await fetchThroughOffer({
  Client, PeerProtocol, tracker, infoHash, seconds: Number(seconds || 30),
  wrtc: { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate },
});
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
