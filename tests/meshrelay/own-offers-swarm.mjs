// One viewer of a swarm, on bittorrent-tracker's client and simple-peer
// (node-datachannel): it announces once with its own 5 offers, as a
// p2p-media-loader viewer does when it joins, stays SECONDS, and prints
// whether it is connected to the relay (peer id -MR…) and to how many
// viewers, as JSON. One process per viewer: clients in one process share
// one WebSocket to the tracker, and each would answer the others' offers.
//   node own-offers-swarm.mjs ws://127.0.0.1:PORT/announce INFO_HASH SECONDS
import crypto from 'node:crypto';
import { Client } from 'bittorrent-tracker';
import { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate } from 'node-datachannel/polyfill';

const [tracker, infoHash, seconds] = process.argv.slice(2);
const utf8 = (s) => new TextEncoder().encode(s);
const peerId = `-PM0203-${crypto.randomBytes(9).toString('base64url').slice(0, 12)}`;
const result = { viewer: peerId, relay: false, viewers: 0 };
const client = new Client({
  infoHash: utf8(infoHash), peerId: utf8(peerId), announce: [tracker], port: 6881,
  wrtc: { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate },
  rtcConfig: { iceServers: [] }, // host candidates only: no STUN to wait for here
});
client.on('warning', () => {});
client.on('error', (err) => console.error(`viewer error: ${err.message}`));
client.on('peer', (connection) => {
  connection.on('error', () => {});
  connection.once('connect', () => {
    if (Buffer.from(connection.id, 'hex').toString('utf8').startsWith('-MR')) result.relay = true;
    else result.viewers++;
  });
});
client.start();
setTimeout(() => {
  console.log(JSON.stringify(result));
  client.destroy();
  setTimeout(() => process.exit(0), 300);
}, Number(seconds) * 1000);
