// The viewer's counters (window.hlsmeshStats, read by tests) and the overlay
// that shows them.
import { rtc } from './rtc-stats.js';

export function createStats(settings) {
  return {
    src: settings.src,
    trackers: settings.trackers,
    p2pEnabled: settings.p2p,
    // bytes
    httpBytes: 0,
    p2pBytes: 0,
    uploadedBytes: 0,
    p2pShare: 0, // p2pBytes / (p2pBytes + httpBytes)
    // segments
    segHttp: 0,
    segP2P: 0,
    segErrors: 0,
    // HTTP segment loads by why p2p-media-loader started them: early (a
    // random pick ahead of the high-demand window, to seed the swarm) or
    // urgent (inside the high-demand window: no peer delivered it in time)
    httpEarly: 0,
    httpUrgent: 0,
    // P2P segment downloads that failed (peer timeout, absent, …) or were
    // aborted (mostly: the segment became urgent and HTTP took over)
    p2pFailed: 0,
    p2pAborted: 0,
    // peers
    peers: 0,
    maxPeers: 0,
    peerIds: [],
    // playback
    currentTime: 0,
    latency: null, // seconds behind the live edge (hls.latency)
    targetLatency: null,
    highDemandTimeWindow: null,
    targetDuration: null,
    buffered: 0,
    // the hls.js level playing: { level, name, height, bitrate } (null before
    // the first LEVEL_SWITCHED), how many the master lists, and the overlay's line
    rendition: null,
    levels: 0,
    renditionLabel: '',
    byRendition: {}, // rendition name → { p2p, http } bytes of whole segments loaded
    firstPlayingAt: null, // performance.now() of the first 'playing'
    waiting: 0, // 'waiting' events, including the one before the first frame
    stalls: 0, // 'waiting' events after playback started
    droppedFrames: 0,
    totalFrames: 0,
    // errors and tracker state
    hlsErrors: 0,
    fatalErrors: 0,
    lastError: null,
    trackerErrors: 0,
    trackerWarnings: 0,
    trackerState: settings.p2p ? 'connecting' : 'off', // from the tracker sockets (tracker-watch.js)
    trackerSockets: null, // their counts: opened, open, closed, failed
    rtc,
    settingsError: null,
    settingsWarnings: [], // settings that play but defeat the point (settings.js)
  };
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];
export function formatBytes(bytes) {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) { value /= 1000; unit += 1; }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${UNITS[unit]}`;
}

export function renderOverlay(doc, stats) {
  const set = (id, text) => { const el = doc.getElementById(id); if (el.textContent !== text) el.textContent = text; };
  const total = stats.httpBytes + stats.p2pBytes;
  set('o-share', stats.p2pEnabled ? (total ? `${Math.round(stats.p2pShare * 100)} %` : '–') : 'off');
  doc.getElementById('o-bar').style.width = `${(stats.p2pShare * 100).toFixed(1)}%`;
  set('o-peers', String(stats.peers));
  set('o-p2p', formatBytes(stats.p2pBytes));
  set('o-http', formatBytes(stats.httpBytes));
  set('o-up', formatBytes(stats.uploadedBytes));
  set('o-rendition', stats.renditionLabel || '–');
  set('o-latency', stats.latency === null ? '–' : `${stats.latency.toFixed(1)} s`);
  set('o-stalls', String(stats.stalls));

  let status = 'playing';
  let level = '';
  if (stats.settingsError) { status = stats.settingsError; level = 'bad'; }
  else if (stats.fatalErrors) { status = `error: ${stats.lastError}`; level = 'bad'; }
  else if (!stats.p2pEnabled) status = 'P2P off (p2p=0): HTTP only';
  else if (stats.trackerState === 'unreachable') {
    status = stats.peers ? `tracker unreachable: ${stats.peers} peers kept, the rest over HTTP` : 'tracker unreachable: HTTP only';
    level = 'warn';
  }
  else if (stats.settingsWarnings.length) { status = stats.settingsWarnings[0]; level = 'warn'; }
  else if (stats.firstPlayingAt === null) status = 'starting…';
  else if (stats.peers === 0) status = 'waiting for peers';
  const el = doc.getElementById('o-status');
  if (el.textContent !== status) el.textContent = status;
  el.className = `status ${level}`;
}
