// Unit tests of the viewer's segment store (www/segment-storage.js), in node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnnouncingSegmentStorage } from '../../www/segment-storage.js';

const MiB = 1048576;

async function storage({ highDemand = 4, limit } = {}) {
  const s = new AnnouncingSegmentStorage();
  const main = { highDemandTimeWindow: highDemand };
  await s.initialize(limit ? { segmentMemoryStorageLimit: limit } : {}, main, { highDemandTimeWindow: highDemand });
  return { s, main };
}

// p2p-media-loader 2.2.2's P2PLoader.broadcastAnnouncement: the announcement
// is computed when asked for, sent in a microtask, and further requests are
// dropped while one is queued.
function fakeLoader(s) {
  const sent = [];
  let queued = false;
  const broadcast = () => {
    if (queued) return;
    const loaded = s.getStoredSegmentIds('swarm', 'stream');
    queued = true;
    queueMicrotask(() => { sent.push(loaded); queued = false; });
  };
  s.setSegmentChangeCallback(broadcast);
  return { sent, broadcast };
}

test('a segment stored right after an announcement was queued still gets announced', async () => {
  const { s } = await storage();
  const { sent, broadcast } = fakeLoader(s);
  s.onPlaybackUpdated(0, 1);
  // What HybridLoader does when an HTTP download succeeds: announce, then store.
  broadcast();
  await s.storeSegment('swarm', 'stream', 7, new ArrayBuffer(100), 10, 12, 'main', true);
  for (let i = 0; i < 5; i++) await Promise.resolve();
  assert.ok(sent.length >= 2, `announcements sent: ${JSON.stringify(sent)}`);
  assert.deepEqual(sent.at(-1), [7], 'the last announcement lists the stored segment');
});

test('stores, finds and lists segments per stream', async () => {
  const { s } = await storage();
  s.setSegmentChangeCallback(() => {});
  const data = new ArrayBuffer(10);
  await s.storeSegment('swarm', 'a', 1, data, 0, 2, 'main', true);
  await s.storeSegment('swarm', 'b', 2, new ArrayBuffer(5), 0, 2, 'main', true);
  assert.equal(s.hasSegment('swarm', 'a', 1), true);
  assert.equal(s.hasSegment('swarm', 'a', 2), false);
  assert.equal(await s.getSegmentData('swarm', 'a', 1), data);
  assert.equal(await s.getSegmentData('swarm', 'a', 9), undefined);
  assert.deepEqual(s.getStoredSegmentIds('swarm', 'a'), [1]);
  s.destroy();
  assert.deepEqual(s.getStoredSegmentIds('swarm', 'a'), []);
});

test('live: drops a segment once the playhead is past its end by more than the high-demand window', async () => {
  const { s, main } = await storage({ highDemand: 4 });
  const changes = [];
  s.setSegmentChangeCallback((id) => changes.push(id));
  s.onPlaybackUpdated(0, 1);
  await s.storeSegment('swarm', 'st', 1, new ArrayBuffer(10), 0, 2, 'main', true);
  await s.storeSegment('swarm', 'st', 2, new ArrayBuffer(10), 2, 4, 'main', true);
  s.onPlaybackUpdated(6.5, 1); // 4.5 s past segment 1, 2.5 s past segment 2
  await s.storeSegment('swarm', 'st', 3, new ArrayBuffer(10), 4, 6, 'main', true);
  await Promise.resolve();
  assert.deepEqual(s.getStoredSegmentIds('swarm', 'st').sort(), [2, 3]);
  main.highDemandTimeWindow = 2; // applyDynamicConfig changes the core's object in place
  await s.storeSegment('swarm', 'st', 4, new ArrayBuffer(10), 6, 8, 'main', true);
  await Promise.resolve();
  assert.deepEqual(s.getStoredSegmentIds('swarm', 'st').sort(), [3, 4]);
  assert.ok(changes.length >= 5, 'every store and eviction is reported');
});

test('usage counts what is not played yet, against the configured limit', async () => {
  const { s } = await storage({ limit: 100 });
  s.setSegmentChangeCallback(() => {});
  s.onPlaybackUpdated(3, 1);
  s.onSegmentRequested('swarm', 'st', 2, 2, 4, 'main', true);
  await s.storeSegment('swarm', 'st', 1, new ArrayBuffer(MiB), 0, 2, 'main', true);
  await s.storeSegment('swarm', 'st', 2, new ArrayBuffer(2 * MiB), 2, 4, 'main', true);
  assert.deepEqual(s.getUsage(), { totalCapacity: 100, usedCapacity: 2 });
});
