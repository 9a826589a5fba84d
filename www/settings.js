// Viewer settings: sane live-P2P defaults, every one overridable by query string.
//
//   src=URL          the media or master playlist (default: live/stream.m3u8 next to this page)
//   tracker=URL,...  WebTorrent tracker(s) (default: ws(s)://<this host>/announce)
//   p2p=0            plain hls.js, everything over HTTP
//   latency=S        seconds behind the live edge (default: 10 target durations)
//   sync=N           the same in target durations (hls.js liveSyncDurationCount)
//   hdtw=S           p2p-media-loader highDemandTimeWindow (default: derived from the latency)
//   swarm=ID         swarm id (default: the playlist URL without its query)
//   stun=URL,...     STUN servers for WebRTC (default: p2p-media-loader's public
//                    ones); stun=0 for none (viewers on one LAN, tests)
//   core.NAME=N      a numeric p2p-media-loader stream setting (CORE_TUNABLES),
//                    for swarm benchmarks: simultaneous downloads, time windows
//   overlay=0        hide the stats overlay
//   debug=1          p2p-media-loader debug logging (localStorage.debug)

// hls.js holds 3 target durations behind live by default, which is inside
// p2p-media-loader's high-demand window: every viewer then fetches every new
// segment over HTTP and P2P stays at 0 %. Ten target durations leave room for
// peers to trade segments before they become urgent.
export const DEFAULT_SYNC_COUNT = 10;

export class SettingsError extends Error {}

function number(query, name, { min = 0, integer = false } = {}) {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new SettingsError(`query parameter ${name}=${raw} is not a valid ${integer ? 'whole ' : ''}number ≥ ${min}`);
  }
  return value;
}

function flag(query, name, fallback) {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new SettingsError(`query parameter ${name}=${raw} must be 1 or 0 (also true/false, yes/no, on/off)`);
}

const KNOWN = ['src', 'tracker', 'p2p', 'latency', 'sync', 'hdtw', 'swarm', 'stun', 'overlay', 'debug'];

// p2p-media-loader's numeric stream settings a query may set (core.NAME=N):
// how many segments load at once from HTTP and from peers, how far ahead of
// the playhead (seconds) each may load, and how long the first segments wait
// for a peer before HTTP (ms; 0, the default, waits not at all: the first
// frame comes sooner, the first segments over HTTP). highDemandTimeWindow is
// hdtw.
export const CORE_TUNABLES = ['simultaneousHttpDownloads', 'simultaneousP2PDownloads',
  'httpDownloadTimeWindow', 'p2pDownloadTimeWindow', 'p2pNotReceivingBytesTimeoutMs',
  'httpDownloadInitialTimeoutMs'];

function coreTunables(query) {
  const core = {};
  for (const name of CORE_TUNABLES) {
    const value = number(query, `core.${name}`, { min: 0 });
    if (value !== undefined) core[name] = value;
  }
  return core;
}


function url(raw, base, name) {
  try {
    return new URL(raw, base).href;
  } catch {
    throw new SettingsError(`query parameter ${name}=${raw} is not a URL`);
  }
}

// undefined: p2p-media-loader's default STUN servers; [] for none.
function stunServers(raw) {
  if (raw === null || raw === '') return undefined;
  if (['0', 'none', 'off'].includes(raw.toLowerCase())) return [];
  return raw.split(',').map((u) => u.trim()).filter(Boolean).map((u) => {
    if (!/^stuns?:/.test(u)) throw new SettingsError(`stun server ${u} must be a stun: URL`);
    return u;
  });
}

export function defaultTracker(location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/announce`;
}

export function readSettings(location) {
  const query = new URLSearchParams(location.search);
  const src = url(query.get('src') || 'live/stream.m3u8', location.href, 'src');
  if (!/^https?:/.test(src)) throw new SettingsError(`src=${query.get('src')} must be an http:// or https:// playlist URL`);
  const trackers = (query.get('tracker') || defaultTracker(location))
    .split(',').map((t) => t.trim()).filter(Boolean)
    .map((t) => {
      const href = url(t, location.href, 'tracker');
      if (!/^wss?:/.test(href)) throw new SettingsError(`tracker ${t} must be a ws:// or wss:// URL`);
      return href;
    });
  return {
    src,
    trackers,
    p2p: flag(query, 'p2p', true),
    latency: number(query, 'latency', { min: 1 }),
    syncCount: number(query, 'sync', { min: 1, integer: true }) ?? DEFAULT_SYNC_COUNT,
    highDemand: number(query, 'hdtw', { min: 1 }),
    swarmId: query.get('swarm') || undefined,
    stun: stunServers(query.get('stun')),
    core: coreTunables(query),
    overlay: flag(query, 'overlay', true),
    debug: flag(query, 'debug', false),
    unknown: [...new Set(query.keys())]
      .filter((name) => !KNOWN.includes(name) && !(name.startsWith('core.') && CORE_TUNABLES.includes(name.slice(5)))),
  };
}

// Settings that play but defeat the point, said in the overlay once the
// target duration is known: a misspelt parameter, a player too close to live
// to ever take a segment from a peer, or too close to play without stalls.
export function settingsWarnings(settings, targetDuration) {
  const warnings = settings.unknown.map((name) => `unknown setting ${name} (ignored; known: ${KNOWN.join(', ')})`);
  const latency = targetLatency(settings, targetDuration);
  if (latency < 2 * targetDuration) {
    warnings.push(`latency ${latency} s is under two segments (${2 * targetDuration} s): expect stalls`);
  }
  if (settings.p2p && settings.highDemand !== undefined && settings.highDemand >= latency - targetDuration) {
    warnings.push(`hdtw=${settings.highDemand} leaves no time for peers at ${latency} s behind live: every segment `
      + `comes over HTTP (keep it under ${latency - targetDuration} s, or leave it out)`);
  }
  return warnings;
}

// The player's distance to live, in seconds, for a given target duration.
export function targetLatency(settings, targetDuration) {
  return settings.latency ?? settings.syncCount * targetDuration;
}

// p2p-media-loader loads a segment over HTTP as soon as it is this close to the
// playhead. A new segment appears in the playlist one target duration short of
// the latency; what is left outside the window is the time one viewer's random
// early HTTP fetch has to seed it and the others to take it from that peer.
// That fetch is rarer the more peers a viewer has (each tries about once in
// 1 + peers/2 seconds, with probability 1/(peers + 1)), so bigger swarms need
// more of that time: six target durations outside the window at 20 s behind
// live (a 6 s window) rather than three (docs/venue.md). The window is at
// most 0.3 × the latency, at least one target duration (HTTP still needs the
// time to fetch what no peer has), at most 15 s. `latency` is where the player
// actually is (it starts closer to live when it joins a young stream).
export function highDemandWindow(settings, targetDuration, latency = targetLatency(settings, targetDuration)) {
  if (settings.highDemand !== undefined) return settings.highDemand;
  const window = Math.min(15, latency - 7 * targetDuration, latency * 0.3);
  return Math.max(targetDuration, window);
}
