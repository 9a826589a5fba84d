// hlsmesh viewer: hls.js with p2p-media-loader, tuned for live P2P, with an
// overlay of what came from peers and what from HTTP.
import './rtc-stats.js'; // first: it wraps RTCPeerConnection before p2p-media-loader loads
import { trackerSockets, trackerState } from './tracker-watch.js'; // likewise WebSocket
import Hls from 'hls.js';
import { HlsJsP2PEngine } from 'p2p-media-loader-hlsjs';
import { readSettings, targetLatency, highDemandWindow, settingsWarnings, SettingsError } from './settings.js';
import { createStats, renderOverlay } from './stats.js';
import { createReporter, renditionName, renditionLabel, REPORT_INTERVAL_MS } from './report.js';

const video = document.getElementById('video');
const overlay = document.getElementById('overlay');

let settings;
try {
  settings = readSettings(window.location);
} catch (err) {
  if (!(err instanceof SettingsError)) throw err;
  settings = null;
  const stats = createStats({ src: null, trackers: [], p2p: false });
  stats.settingsError = err.message;
  window.hlsmeshStats = stats;
  renderOverlay(document, stats);
}

if (settings) start(settings);

function hlsConfig(s) {
  const config = {
    // No transmuxer worker: hls.js would transfer (detach) each segment's
    // ArrayBuffer to it, while p2p-media-loader still holds that buffer to
    // serve it to peers ("Cannot perform ArrayBuffer.prototype.slice on a
    // detached ArrayBuffer"). Transmuxing 2 s of SD video is cheap.
    enableWorker: false,
    // Catch up gently (up to 1.1× speed) when startup or a stall left the
    // player further behind than the target, so that viewers sit at the same
    // distance from live and want the same segments at the same time. hls.js
    // only does this in low-latency mode, which changes nothing else for
    // playlists without LL-HLS parts.
    lowLatencyMode: true,
    maxLiveSyncPlaybackRate: 1.1,
  };
  if (s.latency !== undefined) config.liveSyncDuration = s.latency;
  else config.liveSyncDurationCount = s.syncCount;
  return config;
}

function p2pConfig(s) {
  return {
    announceTrackers: s.trackers,
    // Viewers behind NAT need STUN to find each other across the internet;
    // stun=0 keeps to host candidates (one LAN, or the tests' loopback).
    ...(s.stun ? { rtcConfig: { iceServers: s.stun.map((urls) => ({ urls })) } } : {}),
    ...(s.swarmId ? { swarmId: s.swarmId } : {}),
    // Tuning for swarm benchmarks (settings.js: core.<name>=<number>).
    ...s.core,
  };
}

function start(s) {
  if (s.debug) localStorage.debug = 'p2pml-core:*';
  else if (localStorage.debug?.startsWith('p2pml')) localStorage.removeItem('debug');
  overlay.classList.toggle('hidden', !s.overlay);

  const stats = createStats(s);
  window.hlsmeshStats = stats;
  const peers = new Set();
  const peersChanged = () => {
    stats.peers = peers.size;
    stats.peerIds = [...peers];
    stats.maxPeers = Math.max(stats.maxPeers, peers.size);
  };
  const trace = segmentTrace(video);
  window.hlsmeshTrace = trace.entries;
  const bytesChanged = () => {
    const total = stats.httpBytes + stats.p2pBytes;
    stats.p2pShare = total ? stats.p2pBytes / total : 0;
  };

  let hls;
  // Segment URL → the rendition whose newest playlist lists it: which swarm
  // (one per rendition in p2p-media-loader) a segment's bytes came through.
  const levelUrls = new Map();
  const renditionOf = (url) => {
    for (const [level, urls] of levelUrls) if (urls.has(url)) return renditionName(hls.levels[level], level);
    return '?';
  };
  const reporter = createReporter({
    stats, settings: s, location: window.location, media: video, doc: document,
    rendition: () => renditionName(hls?.levels?.[hls.currentLevel], hls?.currentLevel),
    send: (url, text) => navigator.sendBeacon(url, text),
  });
  window.hlsmeshReport = reporter;
  if (s.p2p) {
    const HlsWithP2P = HlsJsP2PEngine.injectMixin(Hls);
    hls = new HlsWithP2P({
      ...hlsConfig(s),
      p2p: {
        core: p2pConfig(s),
        onHlsJsCreated(h) {
          const engine = h.p2pEngine;
          engine.addEventListener('onChunkDownloaded', (bytes, source) => {
            if (source === 'p2p') stats.p2pBytes += bytes; else stats.httpBytes += bytes;
            bytesChanged();
          });
          engine.addEventListener('onChunkUploaded', (bytes) => { stats.uploadedBytes += bytes; });
          engine.addEventListener('onSegmentStart', ({ segment, downloadSource, peerId }) => {
            // Where the segment stands relative to the playhead says why
            // p2p-media-loader went to HTTP for it: ahead of the high-demand
            // window it is a random early fetch, inside it no peer had it in time.
            const ahead = segment.startTime - video.currentTime;
            const urgent = ahead <= (stats.highDemandTimeWindow ?? 0) * (video.playbackRate || 1);
            if (downloadSource === 'http') {
              if (urgent) stats.httpUrgent += 1; else stats.httpEarly += 1;
            }
            trace.add('start', segment, downloadSource, peerId, { ahead, urgent });
          });
          engine.addEventListener('onSegmentLoaded', ({ segmentUrl, downloadSource, peerId, bytesLength }) => {
            if (downloadSource === 'p2p') stats.segP2P += 1; else stats.segHttp += 1;
            countByRendition(stats, renditionOf(segmentUrl), downloadSource, bytesLength);
            if (downloadSource !== 'p2p') reporter.noteHttpSegment(segmentUrl, bytesLength);
            trace.add('loaded', trace.segment(segmentUrl), downloadSource, peerId, { bytes: bytesLength });
          });
          engine.addEventListener('onSegmentError', ({ segment, downloadSource, peerId, error }) => {
            stats.segErrors += 1;
            if (downloadSource === 'p2p') stats.p2pFailed += 1;
            trace.add('error', segment, downloadSource, peerId, { error: error?.type });
          });
          engine.addEventListener('onSegmentAbort', ({ segment, downloadSource, peerId }) => {
            if (downloadSource === 'p2p') stats.p2pAborted += 1;
            trace.add('abort', segment, downloadSource, peerId, {});
          });
          engine.addEventListener('onPeerConnect', ({ peerId }) => {
            peers.add(peerId);
            peersChanged();
            // When each peer arrived: what loaded over HTTP before the first
            // one could not have come from a peer.
            trace.add('peer', {}, null, peerId, {});
          });
          engine.addEventListener('onPeerClose', ({ peerId }) => { peers.delete(peerId); peersChanged(); });
          engine.addEventListener('onPeerError', ({ peerId }) => { peers.delete(peerId); peersChanged(); });
          // Counted only: whether the tracker is reachable comes from its
          // sockets (tracker-watch.js), since a socket that closes raises
          // neither event.
          engine.addEventListener('onTrackerError', () => { stats.trackerErrors += 1; });
          engine.addEventListener('onTrackerWarning', () => { stats.trackerWarnings += 1; });
        },
      },
    });
  } else {
    hls = new Hls(hlsConfig(s));
    // Without p2p-media-loader, count what hls.js itself fetched.
    hls.on(Hls.Events.FRAG_LOADED, (_event, { frag }) => {
      stats.httpBytes += frag.stats.loaded;
      stats.segHttp += 1;
      reporter.noteHttpSegment(frag.url, frag.stats.loaded);
      bytesChanged();
    });
  }
  window.hlsmesh = { hls, settings: s };
  if (s.p2p) stableSwarmIds(hls);

  // Size p2p-media-loader's high-demand window to the latency (settings.js):
  // first to the target once the target duration is known, then to where the
  // player really sits, which is closer to live when it joined a young stream.
  const setHighDemand = (latency) => {
    if (!s.p2p || stats.targetDuration === null) return;
    const window = Math.round(highDemandWindow(s, stats.targetDuration, latency));
    if (window === stats.highDemandTimeWindow) return;
    stats.highDemandTimeWindow = window;
    hls.p2pEngine.applyDynamicConfig({ core: { highDemandTimeWindow: window } });
  };
  hls.on(Hls.Events.LEVEL_LOADED, (_event, { details }) => {
    if (stats.targetDuration === details.targetduration) return;
    stats.targetDuration = details.targetduration;
    stats.targetLatency = targetLatency(s, details.targetduration);
    stats.settingsWarnings = settingsWarnings(s, details.targetduration);
    setHighDemand(stats.targetLatency);
  });

  hls.on(Hls.Events.LEVEL_LOADED, (_event, { level, details }) => {
    levelUrls.set(level, new Set(details.fragments.map((f) => f.url)));
  });
  // The rendition playing, for the overlay and for tests (the reports name it
  // through the reporter's rendition()).
  hls.on(Hls.Events.LEVEL_SWITCHED, (_event, { level }) => {
    const l = hls.levels[level];
    stats.levels = hls.levels.length;
    stats.rendition = l ? { level, name: renditionName(l, level), height: l.height, bitrate: l.bitrate } : null;
    stats.renditionLabel = renditionLabel(l, level, hls.levels.length);
  });

  // When each segment first appears in this viewer's playlist.
  let newestKnown = -1;
  hls.on(Hls.Events.LEVEL_UPDATED, (_event, { details }) => {
    for (const frag of details.fragments) {
      if (frag.sn <= newestKnown) continue;
      newestKnown = frag.sn;
      trace.add('known', { externalId: frag.sn, url: frag.url, startTime: frag.start }, null, null, { ahead: frag.start - video.currentTime });
    }
  });

  let networkRetries = 0;
  hls.on(Hls.Events.ERROR, (_event, data) => {
    stats.hlsErrors += 1;
    stats.lastError = data.details;
    if (!data.fatal) return;
    stats.fatalErrors += 1;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
      hls.recoverMediaError();
    } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR && networkRetries < 30) {
      networkRetries += 1; // the origin may come back: try again in a while
      setTimeout(() => hls.startLoad(), 2000);
    }
  });
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    video.play().catch(() => { /* autoplay refused: the controls are there */ });
  });

  video.addEventListener('playing', () => {
    if (stats.firstPlayingAt === null) stats.firstPlayingAt = performance.now();
  });
  video.addEventListener('waiting', () => {
    stats.waiting += 1;
    if (stats.firstPlayingAt !== null) stats.stalls += 1;
  });

  video.muted = true;
  hls.attachMedia(video);
  hls.loadSource(s.src);

  const tick = () => {
    if (s.p2p) stats.trackerState = trackerState();
    stats.trackerSockets = { ...trackerSockets };
    stats.currentTime = video.currentTime;
    const latency = hls.latency;
    stats.latency = Number.isFinite(latency) && latency > 0 ? latency : null;
    if (stats.latency !== null && stats.firstPlayingAt !== null && stats.targetLatency !== null) {
      setHighDemand(Math.min(stats.targetLatency, stats.latency));
    }
    const ranges = video.buffered;
    stats.buffered = ranges.length ? Math.max(0, ranges.end(ranges.length - 1) - video.currentTime) : 0;
    const quality = video.getVideoPlaybackQuality?.();
    if (quality) {
      stats.droppedFrames = quality.droppedVideoFrames;
      stats.totalFrames = quality.totalVideoFrames;
    }
    renderOverlay(document, stats);
  };
  setInterval(tick, 500);
  tick();
  setInterval(() => reporter.send(), REPORT_INTERVAL_MS);
}

// p2p-media-loader 2.3 names each rendition's swarm after its BANDWIDTH (and
// CODECS, RESOLUTION, ...) in the master playlist. m3u8roll's BANDWIDTH is the
// measured peak over its window and moves as segments roll, so viewers who
// loaded the master at different times joined different swarms and never
// met. hls.js' own controllers have copied the levels when this handler runs
// (they listen from the constructor), p2p-media-loader reads them after it
// (it listens from the first playlist load on): it sees each rendition's
// place in the master instead, which is stable and still unique.
function stableSwarmIds(hls) {
  hls.on(Hls.Events.MANIFEST_LOADED, (_event, { levels }) => {
    levels.forEach((level, i) => {
      level.bitrate = i + 1;
      delete level.maxBitrate;
    });
  });
}

// Whole segments loaded per rendition and source (window.hlsmeshStats.byRendition).
function countByRendition(stats, name, source, bytes) {
  const row = (stats.byRendition[name] ??= { p2p: 0, http: 0 });
  row[source === 'p2p' ? 'p2p' : 'http'] += bytes;
}

// What happened to each segment, for finding out why a segment came over HTTP
// more than once across viewers (tests/e2e/trace-report.mjs reads it from
// window.hlsmeshTrace). Bounded: the newest MAX_TRACE entries.
const MAX_TRACE = 4000;
function segmentTrace(media) {
  const entries = [];
  const byUrl = new Map(); // segment URL → { sn, start }
  return {
    entries,
    segment: (url) => byUrl.get(url) ?? { url },
    add(event, segment, source, peerId, extra) {
      if (segment.externalId !== undefined) {
        byUrl.set(segment.url, { url: segment.url, externalId: segment.externalId, startTime: segment.startTime });
        if (byUrl.size > 200) byUrl.delete(byUrl.keys().next().value);
      }
      entries.push({
        t: performance.timeOrigin + performance.now(), // wall clock, comparable across viewers
        event, sn: segment.externalId ?? null, url: segment.url, source: source ?? null,
        peer: peerId ?? null, pos: media.currentTime, ...extra,
      });
      if (entries.length > MAX_TRACE) entries.splice(0, entries.length - MAX_TRACE);
    },
  };
}
