// Delivery reports: every 10 s and when the page is hidden, the viewer tells
// sigd (POST /report on the tracker's host) what it got from peers and from
// which HTTP hosts, what it uploaded, how far behind live it sits and how
// often it stalled, so the operator sees delivery per stream (sigd's
// /stats.json, /metrics, /dashboard; tunnelcheck swarm). Byte counters are
// cumulative since page load, so a lost report loses nothing. No IP, no user
// agent: a random id per page load is all that ties reports together.
// Format: docs/sigd.md, "Delivery (viewer reports)".

export const REPORT_INTERVAL_MS = 10000;
const MAX_BYTES = 2 ** 50;

// Where a segment came from over HTTP: the page's own origin, the CDN (the
// playlist's host when it is not the page's), or anything else.
export function hostClass(url, pageHost, srcHost) {
  let host;
  try { host = new URL(url).host; } catch { return 'other'; }
  if (host === pageHost) return 'origin';
  if (host === srcHost) return 'cdn';
  return 'other';
}

// sigd's /report next to the first WebSocket tracker (ws://h/announce →
// http://h/report); null without one (p2p=0 still reports to this page's host).
export function reportUrl(trackers, location) {
  for (const t of trackers ?? []) {
    try {
      const u = new URL(t);
      if (u.protocol === 'ws:' || u.protocol === 'wss:') return `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}/report`;
    } catch { /* not a URL: the next one */ }
  }
  return location ? `${location.protocol}//${location.host}/report` : null;
}

// The swarm id p2p-media-loader uses by default: the playlist URL without its query.
export function streamName(settings) {
  const name = settings.swarmId || String(settings.src ?? '').split('?')[0];
  return name.slice(0, 256);
}

export function renditionName(level, index) {
  if (!level) return '';
  const name = level.name || (level.height ? `${level.height}p` : String(index));
  return String(name).slice(0, 64);
}

// The overlay's line for the level playing: name, declared bitrate, place in
// the ladder ("240p · 450 kbit/s · 2 of 3"); "" before a level is chosen.
export function renditionLabel(level, index, count) {
  if (!level) return '';
  const parts = [renditionName(level, index)];
  if (level.bitrate > 1000) parts.push(`${Math.round(level.bitrate / 1000)} kbit/s`);
  if (count > 1) parts.push(`${index + 1} of ${count}`);
  return parts.join(' · ');
}

export function randomId(crypto = globalThis.crypto) {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let s = '';
  for (const b of bytes) s += 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[b & 63];
  return s;
}

const whole = (n) => Math.min(MAX_BYTES, Math.max(0, Math.round(Number(n) || 0)));

// HTTP segment bytes split by host class. stats.httpBytes counts every chunk
// p2p-media-loader or hls.js received (aborted downloads too); completed
// segments say which host they came from, and that split is applied to the
// total so the report's HTTP bytes equal the page's own count.
export function splitHttp(httpBytes, byClass, fallback) {
  const known = byClass.cdn + byClass.origin + byClass.other;
  const out = { cdn: 0, origin: 0, other: 0 };
  if (!httpBytes) return out;
  if (!known) {
    out[fallback] = whole(httpBytes);
    return out;
  }
  out.cdn = whole((httpBytes * byClass.cdn) / known);
  out.origin = whole((httpBytes * byClass.origin) / known);
  out.other = whole(httpBytes) - out.cdn - out.origin;
  return out;
}

export function playState(stats, media, stalled, hidden) {
  if (stats.fatalErrors && stats.firstPlayingAt === null) return 'error';
  if (hidden) return 'hidden';
  if (media?.ended) return 'ended';
  if (stats.firstPlayingAt === null) return 'starting';
  if (stalled) return 'stalled';
  if (media?.paused) return 'paused';
  return 'playing';
}

export function buildReport(r) {
  const { stats, id, seq, stream, rendition, byClass, fallback, stalledSeconds, state } = r;
  const http = splitHttp(stats.httpBytes, byClass, fallback);
  return {
    v: 1,
    id,
    stream,
    rendition,
    seq,
    p2p: whole(stats.p2pBytes),
    cdn: http.cdn,
    origin: http.origin,
    other: http.other,
    up: whole(stats.uploadedBytes),
    peers: Math.min(10000, stats.peers | 0),
    stalls: Math.min(1e6, stats.stalls | 0),
    stalled_s: Math.round(Math.max(0, stalledSeconds) * 10) / 10,
    latency: stats.latency === null || !Number.isFinite(stats.latency) ? null : Math.round(Math.max(0, stats.latency) * 10) / 10,
    state,
  };
}

// The page's reporter. `send(url, text)` is navigator.sendBeacon (text/plain:
// no CORS preflight); `rendition()` names the level playing now.
export function createReporter({ stats, settings, location, media, rendition, send, now = () => performance.now(), doc }) {
  const pageHost = location.host;
  let srcHost = '';
  try { srcHost = new URL(settings.src).host; } catch { /* relative or bad: no CDN host */ }
  const byClass = { cdn: 0, origin: 0, other: 0 };
  const fallback = srcHost && srcHost !== pageHost ? 'cdn' : 'origin';
  const url = reportUrl(settings.trackers, location);
  const id = randomId();
  let seq = 0;
  let stallStart = null;
  let stalledMs = 0;

  media?.addEventListener('waiting', () => { if (stats.firstPlayingAt !== null && stallStart === null) stallStart = now(); });
  const stallEnd = () => { if (stallStart !== null) { stalledMs += now() - stallStart; stallStart = null; } };
  media?.addEventListener('playing', stallEnd);
  media?.addEventListener('pause', stallEnd);

  const reporter = {
    url,
    id,
    last: null,
    noteHttpSegment(segmentUrl, bytes) {
      byClass[hostClass(segmentUrl, pageHost, srcHost)] += Math.max(0, Number(bytes) || 0);
    },
    build(hidden = false) {
      const stalledSeconds = (stalledMs + (stallStart === null ? 0 : now() - stallStart)) / 1000;
      seq += 1;
      return buildReport({
        stats, id, seq, stream: streamName(settings), rendition: rendition(), byClass, fallback, stalledSeconds,
        state: playState(stats, media, stallStart !== null, hidden),
      });
    },
    send(hidden = false) {
      if (!url) return false;
      reporter.last = reporter.build(hidden);
      return send(url, JSON.stringify(reporter.last));
    },
  };
  if (doc) {
    doc.addEventListener('visibilitychange', () => { if (doc.visibilityState === 'hidden') reporter.send(true); });
    globalThis.addEventListener?.('pagehide', () => reporter.send(true));
  }
  return reporter;
}
