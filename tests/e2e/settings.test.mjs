// Unit tests of the viewer's query-string settings (www/settings.js), in node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSettings, settingsWarnings, highDemandWindow, SettingsError } from '../../www/settings.js';

const at = (query, base = 'http://tv.example:8000/') => {
  const href = new URL(query, base).href;
  const u = new URL(href);
  return readSettings({ href, search: u.search, protocol: u.protocol, host: u.host });
};

test('defaults: the page host as tracker, 10 target durations behind live, P2P on', () => {
  const s = at('?');
  assert.equal(s.src, 'http://tv.example:8000/live/stream.m3u8');
  assert.deepEqual(s.trackers, ['ws://tv.example:8000/announce']);
  assert.equal(s.p2p, true);
  assert.equal(s.syncCount, 10);
  assert.deepEqual(settingsWarnings(s, 2), []);
  assert.equal(highDemandWindow(s, 2), 6);
  assert.equal(highDemandWindow(at('?latency=10'), 2), 2);
  assert.equal(highDemandWindow(at('?latency=40'), 2), 12);
  assert.deepEqual(at('?', 'https://tv.example/').trackers, ['wss://tv.example/announce']);
});

test('core.NAME=N sets a numeric p2p-media-loader setting; others are unknown', () => {
  const s = at('?core.simultaneousP2PDownloads=5&core.httpDownloadTimeWindow=8&core.isP2PDisabled=1&simultaneousHttpDownloads=1');
  assert.deepEqual(s.core, { simultaneousP2PDownloads: 5, httpDownloadTimeWindow: 8 });
  assert.deepEqual(s.unknown, ['core.isP2PDisabled', 'simultaneousHttpDownloads']);
});

test('flags take 1/0 and their spellings; anything else is refused', () => {
  assert.equal(at('?p2p=0').p2p, false);
  assert.equal(at('?p2p=off').p2p, false);
  assert.equal(at('?p2p=yes').p2p, true);
  assert.throws(() => at('?p2p=nope'), SettingsError);
});

test('bad values are refused with the parameter named', () => {
  assert.throws(() => at('?latency=-3'), /latency=-3/);
  assert.throws(() => at('?sync=2.5'), /sync=2.5/);
  assert.throws(() => at('?tracker=http://x/announce'), /ws:\/\/ or wss:\/\//);
  assert.throws(() => at('?src=javascript:alert(1)'), /src=.*http/);
  assert.throws(() => at('?core.simultaneousP2PDownloads=-1'), /core.simultaneousP2PDownloads=-1/);
  assert.throws(() => at('?stun=turn:x'), /stun:/);
});

test('warnings: unknown parameter, no room for peers, too close to live', () => {
  assert.match(settingsWarnings(at('?latncy=20'), 2)[0], /unknown setting latncy/);
  assert.match(settingsWarnings(at('?latency=20&hdtw=19'), 2)[0], /hdtw=19 leaves no time for peers/);
  assert.deepEqual(settingsWarnings(at('?latency=20&hdtw=12'), 2), []);
  assert.match(settingsWarnings(at('?latency=3'), 2)[0], /under two segments/);
  // With P2P off the high-demand window does not matter.
  assert.deepEqual(settingsWarnings(at('?p2p=0&latency=20&hdtw=19'), 2), []);
});
