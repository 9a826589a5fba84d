// The viewer's segment store for p2p-media-loader (core option
// customSegmentStorageFactory): an in-memory store like the library's own
// SegmentMemoryStorage, with one difference that matters for live P2P — it
// tells peers about a newly stored segment reliably.
//
// Why: in p2p-media-loader 2.2.2, when an HTTP download succeeds the loader
// first queues a segment announcement computed *before* the segment is stored
// ("still loading over HTTP"), then stores the segment; the store's change
// callback asks for another announcement, but that request is dropped because
// one is already queued (P2PLoader.broadcastAnnouncement returns while
// isAnnounceMicrotaskCreated). Peers then see the segment as "http-loading"
// until some later event (the next download, an eviction) re-announces it:
// 1.6 s later in the median, 3.7 s at p90 in the e2e bench, by which time the
// segment is often inside their high-demand window and they fetch it over HTTP
// too. Running the change callback in a microtask of its own lets the stale
// announcement go out first; the fresh one follows at once.
//
// Eviction follows the library's store: a live segment is dropped once the
// playhead is past its end by more than the high-demand window; over the
// memory limit (segmentMemoryStorageLimit MiB, default 4096, less on
// phones) the oldest segments behind the playhead go first.
const BYTES_PER_MIB = 1048576;

const itemId = (streamId, segmentId) => `${streamId}|${segmentId}`;

function defaultLimitMiB(userAgent) {
  const android = /Android/i.test(userAgent);
  if ((android && !/Chrome|Firefox/i.test(userAgent)) || /iPad|iPhone/i.test(userAgent)) return 1024;
  if (android) return 2 * 1024;
  return 4 * 1024;
}

export class AnnouncingSegmentStorage {
  #cache = new Map(); // itemId → { segmentId, streamId, data, startTime, endTime, streamType }
  #usedMiB = 0;
  #limitMiB = defaultLimitMiB(globalThis.navigator?.userAgent ?? '');
  #streamConfigs = { main: undefined, secondary: undefined };
  #playback = undefined; // { position, rate }
  #lastRequested = false;
  #onChange = undefined;

  async initialize(coreConfig, mainStreamConfig, secondaryStreamConfig) {
    // The stream configs are the core's live objects: applyDynamicConfig
    // (a new highDemandTimeWindow) shows up here too.
    this.#streamConfigs = { main: mainStreamConfig, secondary: secondaryStreamConfig };
    if (coreConfig?.segmentMemoryStorageLimit) this.#limitMiB = coreConfig.segmentMemoryStorageLimit;
  }

  onPlaybackUpdated(position, rate) {
    this.#playback = { position, rate };
  }

  onSegmentRequested() {
    this.#lastRequested = true;
  }

  async storeSegment(_swarmId, streamId, segmentId, data, startTime, endTime, streamType, isLive) {
    this.#evict(isLive, data.byteLength);
    this.#cache.set(itemId(streamId, segmentId), { segmentId, streamId, data, startTime, endTime, streamType });
    this.#usedMiB += data.byteLength / BYTES_PER_MIB;
    this.#changed([streamId]);
  }

  async getSegmentData(_swarmId, streamId, segmentId) {
    return this.#cache.get(itemId(streamId, segmentId))?.data;
  }

  getUsage() {
    if (!this.#lastRequested || !this.#playback) return { totalCapacity: this.#limitMiB, usedCapacity: this.#usedMiB };
    // Like the library: what is behind the playhead does not count.
    let ahead = 0;
    for (const { endTime, data } of this.#cache.values()) {
      if (this.#playback.position <= endTime) ahead += data.byteLength;
    }
    return { totalCapacity: this.#limitMiB, usedCapacity: ahead / BYTES_PER_MIB };
  }

  hasSegment(_swarmId, streamId, segmentId) {
    return this.#cache.has(itemId(streamId, segmentId));
  }

  getStoredSegmentIds(_swarmId, streamId) {
    const ids = [];
    for (const item of this.#cache.values()) if (item.streamId === streamId) ids.push(item.segmentId);
    return ids;
  }

  setSegmentChangeCallback(callback) {
    this.#onChange = callback;
  }

  destroy() {
    this.#cache.clear();
    this.#usedMiB = 0;
  }

  #changed(streamIds) {
    const callback = this.#onChange;
    if (!callback) throw new Error('segment storage: no change callback set');
    // A microtask of its own: after the announcement p2p-media-loader may
    // already have queued (see the top of this file).
    queueMicrotask(() => { for (const id of streamIds) callback(id); });
  }

  #overLimit(newBytes) {
    return this.#usedMiB + newBytes / BYTES_PER_MIB > this.#limitMiB;
  }

  #evict(isLive, newBytes) {
    if (!this.#playback || !this.#streamConfigs.main) return;
    if (!isLive && !this.#overLimit(newBytes)) return;
    const { position } = this.#playback;
    const affected = new Set();
    const oldestFirst = [...this.#cache.entries()].sort((a, b) => a[1].startTime - b[1].startTime);
    for (const [id, item] of oldestFirst) {
      if (position <= item.endTime) continue; // not played yet
      const window = this.#streamConfigs[item.streamType]?.highDemandTimeWindow ?? 0;
      if (isLive && position <= item.endTime + window) continue;
      this.#cache.delete(id);
      this.#usedMiB -= item.data.byteLength / BYTES_PER_MIB;
      affected.add(item.streamId);
      if (!isLive && !this.#overLimit(newBytes)) break;
    }
    if (affected.size) this.#changed([...affected]);
  }
}
