// The swarm ids and info_hashes p2p-media-loader 2.3 derives for the
// renditions of a master playlist, from its own code (the installed
// p2p-media-loader-core bundle: generateStreamShortId, getStreamSwarmId,
// getStreamHash), fed what hls.js parses out of the master (MANIFEST_LOADED):
// each variant a "main" stream (BANDWIDTH, video codecs, RESOLUTION), each
// EXT-X-MEDIA TYPE=AUDIO a "secondary" one (the audio codecs of a variant of
// its group, LANGUAGE, CHANNELS, NAME). Prints one JSON line per rendition:
// {"uri", "type", "id", "info_hash"}.
//   node swarm-ids.mjs MASTER_URL MASTER_FILE
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [manifestUrl, masterFile] = process.argv.slice(2);
const modules = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules');
const bundle = fs.readFileSync(path.join(modules, 'p2p-media-loader-core/dist/p2p-media-loader-core.es.js'), 'utf8');
const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'p2pml-')), 'core.mjs');
fs.writeFileSync(copy, `${bundle}\nexport { getStreamHash as __hash, getStreamSwarmId as __swarmId };\n`);
globalThis.self = globalThis;
globalThis.WebSocket ??= class {};
const core = await import(copy);
fs.rmSync(path.dirname(copy), { recursive: true });

// An attribute list as hls.js' AttrList reads it (quotes dropped).
const attributes = (text) => Object.fromEntries([...text.matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)]
  .map(([, k, v]) => [k, v.replace(/^"|"$/g, '')]));
const isAudio = (c) => /^(mp4a|ac-3|ec-3|opus|Opus|fLaC|flac)/.test(c);
const isVideo = (c) => /^(avc1|avc3|hvc1|hev1|vp09|av01)/.test(c);
const lines = fs.readFileSync(masterFile, 'utf8').split('\n');
const variants = [];
const tracks = [];
lines.forEach((line, k) => {
  if (line.startsWith('#EXT-X-STREAM-INF:')) variants.push({ attrs: attributes(line.slice(18)), uri: lines[k + 1].trim() });
  if (line.startsWith('#EXT-X-MEDIA:')) tracks.push(attributes(line.slice(13)));
});
const swarmId = manifestUrl.split('?')[0];
const out = (uri, type, index) => {
  const id = core.__swarmId(swarmId, { type, index });
  console.log(JSON.stringify({ uri, type, id, info_hash: core.__hash(id) }));
};
for (const v of variants) {
  const codecs = (v.attrs.CODECS || '').split(/[ ,]+/).filter(Boolean);
  // hls.js sets width and height only from a RESOLUTION.
  const [width, height] = v.attrs.RESOLUTION ? v.attrs.RESOLUTION.split('x').map(Number) : [];
  const bitrate = Number(v.attrs.BANDWIDTH);
  const video = codecs.filter(isVideo).join(',');
  out(v.uri, 'main', core.generateStreamShortId({ bitrate, codecs: video || undefined, width, height,
    frameRate: v.attrs['FRAME-RATE'], videoRange: v.attrs['VIDEO-RANGE'] }));
}
for (const t of tracks.filter((a) => a.TYPE === 'AUDIO' && a.URI)) {
  const group = variants.find((v) => v.attrs.AUDIO === t['GROUP-ID']) || variants[0];
  const audioCodec = (group?.attrs.CODECS || '').split(/[ ,]+/).filter(isAudio).join(',') || undefined;
  out(t.URI, 'secondary', core.generateStreamShortId({ bitrate: 0, codecs: audioCodec, language: t.LANGUAGE,
    channels: t.CHANNELS, name: t.NAME || t.LANGUAGE }));
}
