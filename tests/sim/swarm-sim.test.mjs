// Unit tests of the swarm simulation (swarm-sim.mjs): its limits and its
// bookkeeping, on small swarms (a few seconds of CPU in all).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Swarm, parseOptions } from './swarm-sim.mjs';

const run = (...argv) => new Swarm(parseOptions(['--seconds', '120', '--warmup', '10', ...argv])).run();

test('no tracker offers: every viewer fetches every segment over HTTP', () => {
  const r = run('--viewers', '4', '--offers', '0');
  assert.equal(r.p2pShare, 0);
  assert.ok(Math.abs(r.httpFetchesPerSegment - 4) < 0.1, `${r.httpFetchesPerSegment} fetches per segment`);
  assert.equal(r.meanPeers, 0);
  assert.equal(r.stalls, 0);
});

test('an unconstrained swarm of 3 stays under the 3-viewer limit of 2/3 and near one fetch per segment', () => {
  const r = run('--viewers', '3', '--interval', '20');
  assert.ok(r.p2pShare > 0.4 && r.p2pShare <= 2 / 3 + 0.01, `P2P share ${r.p2pShare}`);
  assert.ok(r.httpFetchesPerSegment >= 0.99, `${r.httpFetchesPerSegment} fetches per segment`);
  assert.equal(r.meanPeers, 2);
});

test('a Wi-Fi too small for the stream stalls; a wired relay takes load off the CDN', () => {
  const starved = run('--viewers', '20', '--wifi-mbps', '5');
  assert.ok(starved.stalls > 0 && starved.wifiSaturatedShare > 0.5, JSON.stringify(starved));
  const relayed = run('--viewers', '20', '--relays', '1', '--interval', '20');
  assert.ok(relayed.p2pShare > 0.8, `with a relay: ${relayed.p2pShare}`);
});

test('the same seed gives the same run; bad options are refused', () => {
  assert.deepEqual(run('--viewers', '5', '--seed', '7'), run('--viewers', '5', '--seed', '7'));
  assert.throws(() => parseOptions(['--viewers', '0']), /--viewers/);
  assert.throws(() => parseOptions(['--latency=-1']), /--latency -1/);
});
