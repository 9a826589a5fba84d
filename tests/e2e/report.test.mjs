// Unit tests of the viewer's delivery report builder (www/report.js), in node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  hostClass, reportUrl, streamName, renditionName, renditionLabel, splitHttp, playState, buildReport, createReporter, randomId,
} from '../../www/report.js';

const FIELDS = ['v', 'id', 'stream', 'rendition', 'seq', 'p2p', 'cdn', 'origin', 'other', 'up', 'peers', 'stalls',
  'stalled_s', 'latency', 'state'];

function stats(over = {}) {
  return { httpBytes: 0, p2pBytes: 0, uploadedBytes: 0, peers: 0, stalls: 0, latency: null, fatalErrors: 0, firstPlayingAt: null, ...over };
}

test('host classes: the page origin, the playlist host as CDN, anything else', () => {
  assert.equal(hostClass('http://tv.example:8000/live/1.ts', 'tv.example:8000', 'cdn.example'), 'origin');
  assert.equal(hostClass('https://cdn.example/live/1.ts', 'tv.example:8000', 'cdn.example'), 'cdn');
  assert.equal(hostClass('https://elsewhere.example/1.ts', 'tv.example:8000', 'cdn.example'), 'other');
  assert.equal(hostClass('not a url', 'tv.example', 'cdn.example'), 'other');
});

test('the report goes to sigd next to the WebSocket tracker, else to the page host', () => {
  const loc = { protocol: 'https:', host: 'tv.example' };
  assert.equal(reportUrl(['wss://track.example/announce'], loc), 'https://track.example/report');
  assert.equal(reportUrl(['ws://127.0.0.1:8000/announce'], loc), 'http://127.0.0.1:8000/report');
  assert.equal(reportUrl(['http://nope', 'ws://t:1/'], loc), 'http://t:1/report');
  assert.equal(reportUrl([], loc), 'https://tv.example/report');
});

test('stream and rendition names are the swarm id and the level, bounded', () => {
  assert.equal(streamName({ src: 'https://cdn.example/live/stream.m3u8?token=x' }), 'https://cdn.example/live/stream.m3u8');
  assert.equal(streamName({ src: 'x', swarmId: 'show' }), 'show');
  assert.equal(streamName({ src: `https://a/${'x'.repeat(400)}` }).length, 256);
  assert.equal(renditionName({ name: '720p' }, 0), '720p');
  assert.equal(renditionName({ height: 360 }, 1), '360p');
  assert.equal(renditionName({}, 2), '2');
  assert.equal(renditionName(undefined, -1), '');
  assert.equal(renditionLabel({ height: 240, bitrate: 449600 }, 1, 3), '240p · 450 kbit/s · 2 of 3');
  assert.equal(renditionLabel({ height: 360, bitrate: 900000 }, 0, 1), '360p · 900 kbit/s');
  assert.equal(renditionLabel(undefined, -1, 3), '');
});

test('HTTP bytes are split by host class and add up to the page total', () => {
  assert.deepEqual(splitHttp(1000, { cdn: 300, origin: 100, other: 0 }, 'cdn'), { cdn: 750, origin: 250, other: 0 });
  const odd = splitHttp(1001, { cdn: 1, origin: 1, other: 1 }, 'cdn');
  assert.equal(odd.cdn + odd.origin + odd.other, 1001);
  assert.deepEqual(splitHttp(500, { cdn: 0, origin: 0, other: 0 }, 'origin'), { cdn: 0, origin: 500, other: 0 });
  assert.deepEqual(splitHttp(0, { cdn: 5, origin: 0, other: 0 }, 'cdn'), { cdn: 0, origin: 0, other: 0 });
});

test('play state', () => {
  assert.equal(playState(stats(), {}, false, false), 'starting');
  assert.equal(playState(stats({ firstPlayingAt: 1 }), { paused: false }, false, false), 'playing');
  assert.equal(playState(stats({ firstPlayingAt: 1 }), { paused: false }, true, false), 'stalled');
  assert.equal(playState(stats({ firstPlayingAt: 1 }), { paused: true }, false, false), 'paused');
  assert.equal(playState(stats({ firstPlayingAt: 1 }), {}, false, true), 'hidden');
  assert.equal(playState(stats({ fatalErrors: 1 }), {}, false, false), 'error');
});

test('a report has exactly the fields sigd takes, in range, and no IP or user agent', () => {
  const r = buildReport({
    stats: stats({ httpBytes: 4000.4, p2pBytes: 2 ** 60, uploadedBytes: -3, peers: 3, stalls: 2, latency: 12.345, firstPlayingAt: 1 }),
    id: randomId(), seq: 1, stream: 's', rendition: '720p', byClass: { cdn: 1, origin: 0, other: 0 }, fallback: 'cdn',
    stalledSeconds: 1.26, state: 'playing',
  });
  assert.deepEqual(Object.keys(r), FIELDS);
  assert.equal(r.p2p, 2 ** 50);
  assert.equal(r.up, 0);
  assert.equal(r.cdn, 4000);
  assert.equal(r.latency, 12.3);
  assert.equal(r.stalled_s, 1.3);
  assert.match(r.id, /^[A-Za-z0-9_-]{16}$/);
  assert.doesNotMatch(JSON.stringify(r), /Mozilla|127\.0\.0\.1/);
  assert.ok(JSON.stringify(r).length < 4096);
});

test('the reporter counts stalled time, numbers its reports and sends them as text', () => {
  let clock = 0;
  const listeners = {};
  const media = { paused: false, addEventListener: (e, f) => { listeners[e] = f; } };
  const s = stats({ httpBytes: 1000, p2pBytes: 3000, firstPlayingAt: 0 });
  const sent = [];
  const reporter = createReporter({
    stats: s, settings: { src: 'https://cdn.example/live/stream.m3u8', trackers: ['ws://t.example/announce'], p2p: true },
    location: { protocol: 'http:', host: 'tv.example' }, media, rendition: () => '360p',
    send: (url, text) => { sent.push([url, JSON.parse(text)]); return true; }, now: () => clock,
  });
  reporter.noteHttpSegment('http://tv.example/live/3.ts', 100);
  reporter.noteHttpSegment('https://cdn.example/live/4.ts', 300);
  listeners.waiting();
  clock = 1500;
  listeners.playing();
  assert.equal(reporter.send(), true);
  listeners.waiting();
  clock = 2000;
  reporter.send(true);
  assert.equal(sent[0][0], 'http://t.example/report');
  assert.deepEqual([sent[0][1].seq, sent[0][1].origin, sent[0][1].cdn, sent[0][1].p2p, sent[0][1].stalled_s, sent[0][1].state],
    [1, 250, 750, 3000, 1.5, 'playing']);
  assert.deepEqual([sent[1][1].seq, sent[1][1].stalled_s, sent[1][1].state], [2, 2, 'hidden']);
  assert.equal(sent[0][1].id, sent[1][1].id);
});
