// Test vectors from p2p-media-loader's own code (the installed
// p2p-media-loader-core bundle, run in node): swarm info_hashes and command
// bytes, as JSON on stdout, for meshrelay's unit tests to compare against.
//   node p2pml-vectors.mjs NODE_MODULES_DIR
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const modules = process.argv[2];
const pkg = JSON.parse(fs.readFileSync(path.join(modules, 'p2p-media-loader-core/package.json'), 'utf8'));
const bundle = fs.readFileSync(path.join(modules, 'p2p-media-loader-core/dist/p2p-media-loader-core.es.js'), 'utf8');
// The bundle exports only its public API: re-export the internals under test
// from a copy. It touches `self` and `WebSocket` when loaded (browser globals).
const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'p2pml-')), 'core.mjs');
fs.writeFileSync(copy, `${bundle}\nexport { getStreamHash as __hash, getStreamSwarmId as __swarmId, `
  + 'serializePeerCommand as __serialize, deserializeCommand as __deserialize };\n');
globalThis.self = globalThis;
globalThis.WebSocket ??= class {};
const core = await import(copy);
fs.rmSync(path.dirname(copy), { recursive: true });

const hex = (u8) => Buffer.from(u8).toString('hex');
// 2.3 names a stream after its level (generateStreamShortId, public since
// 2.3); 2.2 after its position in the master.
const levels = [
  { bitrate: 800000, codecs: 'avc1.64001e', width: 640, height: 360, frameRate: '25' },
  { bitrate: 1, codecs: 'avc1.64001e', width: 640, height: 360, frameRate: '25.000' },
  { bitrate: 2500000, codecs: 'AVC1.77.30', width: 1280, height: 720 },
  { bitrate: 0, codecs: 'avc1.64001e', width: 640, height: 360 },
  { bitrate: 6000000, codecs: 'hvc1.2.4.L123.B0,avc1.64001f', width: 1920, height: 1080, frameRate: '29.970', videoRange: 'pq' },
  { bitrate: 1 },
];
const shortId = core.generateStreamShortId;
const swarms = ['http://127.0.0.1:8080/live/stream.m3u8', 'https://cdn.example.com/live/master.m3u8', 'my-swarm', 'événement'];
const hashes = [];
for (const swarm of swarms) {
  levels.forEach((level, position) => {
    const props = level.bitrate === 0 ? { bitrate: 0 } : level;
    const index = shortId ? shortId(props) : String(position);
    const id = core.__swarmId(swarm, { type: 'main', index });
    hashes.push({ swarm, position, level, index, id, info_hash: core.__hash(id) });
  });
}
// Audio renditions (hls.js' audio tracks): a "secondary" stream, named
// after its codecs, language, channels and name (2.3), its position (2.2).
const tracks = [
  { codecs: 'mp4a.40.2', language: 'en', channels: '2', name: 'English' },
  { codecs: 'mp4a.40.5,ec-3', language: 'und', channels: '16/JOC', name: ' Dolby ' },
  { codecs: 'opus', language: 'FRA', name: 'fra' },
  {},
];
const audio = [];
for (const swarm of swarms.slice(0, 2)) {
  tracks.forEach((track, position) => {
    const index = shortId ? shortId({ bitrate: 0, ...track }) : String(position);
    const id = core.__swarmId(swarm, { type: 'secondary', index });
    audio.push({ swarm, position, track, index, id, info_hash: core.__hash(id) });
  });
}
const many = Array.from({ length: 300 }, (_, k) => 1000 + k * 3);
const commands = [
  { c: 0, l: [1, 2, 300], p: [5] },
  { c: 0, l: [] },
  { c: 0, l: [255, 256, 65535, 65536, 9007199254740991] },
  { c: 0, l: many },
  { c: 1, i: 42, r: 7 },
  { c: 1, i: 123456, r: 999, b: 65535 },
  { c: 2, i: 5000000, r: 0, s: 2304128 },
  { c: 3, i: 1, r: -1 },
  { c: 4, i: 0, r: 128 },
  { c: 5, i: -200, r: 32767 },
];
const vectors = [];
for (const command of commands) {
  for (const max of [65535, 40]) {
    const messages = core.__serialize(command, max).map(hex);
    vectors.push({ command, max, messages });
  }
}
console.log(JSON.stringify({ version: pkg.version, hashes, audio, vectors }));
