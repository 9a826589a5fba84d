// Reads the viewers' results of a run with meshrelay and one without it
// (tests/e2e/viewers.mjs --out), the relay's own `relay` events and its log,
// and prints the figures side by side over three windows: the whole run
// (startup included), from each viewer's first peer connection, and sampled
// (every viewer playing and past its first peer). It exits 1 unless, sampled,
// with the relay: viewers took >= 95 % of their segment bytes from peers,
// <= 1.1 HTTP fetches per segment across the swarm (viewers + relay), no
// stalls, every viewer had bytes from the relay's peer (its peer id starts
// with -MR); and, given sigd's /stats.json taken after the relay stopped,
// unless sigd's relay bytes match the relay's own last event within 3 %.
//
//   node relay-report.mjs WITH.json WITHOUT.json RELAY.jsonl RELAY.log [SIGD-STATS.json]
import fs from 'node:fs';

const [withFile, withoutFile, relayFile, relayLog, sigdFile] = process.argv.slice(2);
const withRun = JSON.parse(fs.readFileSync(withFile, 'utf8'));
const withoutRun = JSON.parse(fs.readFileSync(withoutFile, 'utf8'));
const relayEvents = fs.readFileSync(relayFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  .filter((e) => e.event === 'relay');
const isRelay = (peer) => typeof peer === 'string' && peer.startsWith('-MR');
const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;

// The relay's log (JSON lines, -v): when it came to hold each segment.
function relayHeld(file) {
  const held = new Map();
  if (!file || !fs.existsSync(file)) return held;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const e = JSON.parse(line);
      if (typeof e.msn === 'number' && e.message?.startsWith('holding segment')) held.set(e.msn, Date.parse(e.time));
    } catch { /* libwebsockets' own lines */ }
  }
  return held;
}

// Figures over the segments viewers loaded between `from` and `to` (wall ms,
// per viewer: from(v)): P2P share of their bytes, and HTTP fetches of each of
// those segments across the swarm — every viewer's HTTP loads of it plus the
// relay's one fetch of each segment it held.
function windowFigures(run, from, to, held) {
  let p2p = 0, http = 0, fromRelay = 0;
  const segments = new Set();
  for (const v of run.viewers) {
    for (const e of v.trace ?? []) {
      if (e.event !== 'loaded' || e.t < from(v) || e.t > to) continue;
      segments.add(e.sn);
      if (e.source === 'p2p') p2p += e.bytes ?? 0; else http += e.bytes ?? 0;
      if (e.source === 'p2p' && isRelay(e.peer)) fromRelay += e.bytes ?? 0;
    }
  }
  let fetches = 0;
  for (const sn of segments) {
    for (const v of run.viewers) fetches += (v.trace ?? []).filter((e) => e.event === 'start' && e.source === 'http' && e.sn === sn).length;
    if (held.has(sn)) fetches += 1;
  }
  return { segments: segments.size, p2pShare: p2p + http ? p2p / (p2p + http) : 0, relayShare: p2p + http ? fromRelay / (p2p + http) : 0,
    fetchesPerSegment: segments.size ? fetches / segments.size : 0 };
}

const firstPeer = (v) => (v.trace ?? []).find((e) => e.event === 'peer')?.t ?? Infinity;
const opened = (v) => v.trace?.[0]?.t ?? Infinity;

function perViewer(run) {
  const { from, to } = run.window;
  return run.viewers.map((v, i) => {
    const loaded = (v.trace ?? []).filter((e) => e.event === 'loaded' && e.t >= from && e.t <= to);
    const fromRelay = loaded.filter((e) => e.source === 'p2p' && isRelay(e.peer));
    const fromPeers = loaded.filter((e) => e.source === 'p2p' && !isRelay(e.peer));
    const http = loaded.filter((e) => e.source === 'http');
    const sum = (list) => list.reduce((s, e) => s + (e.bytes ?? 0), 0);
    const stats = run.figures.perViewer[i];
    // Join → first segment from the relay: from the first trace entry (the
    // player listing the playlist's segments) to the first one the relay's peer delivered.
    const joined = opened(v);
    const firstRelay = (v.trace ?? []).find((e) => e.event === 'loaded' && e.source === 'p2p' && isRelay(e.peer));
    const beforePeer = (v.trace ?? []).filter((e) => e.event === 'loaded' && e.source === 'http' && e.t < firstPeer(v)).length;
    return { name: v.name, relayBytes: sum(fromRelay), relaySegments: fromRelay.length, viewerPeerBytes: sum(fromPeers),
      httpBytes: sum(http), httpSegments: http.length, httpSn: http.map((e) => e.sn), beforePeer,
      firstPeerS: Number.isFinite(firstPeer(v)) ? (firstPeer(v) - joined) / 1000 : null,
      firstRelayS: firstRelay && joined ? (firstRelay.t - joined) / 1000 : null, stalls: stats.stalls, latency: stats.latency };
  });
}

// How long after the first viewer listed a segment the relay held it
// (announced it): the race p2p-media-loader's random HTTP loads run against.
function relayLag(run, held) {
  const lags = [];
  for (const [sn, at] of held) {
    const known = run.viewers.flatMap((v) => (v.trace ?? []).filter((e) => e.event === 'known' && e.sn === sn).map((e) => e.t));
    if (known.length && at >= run.window.from) lags.push((at - Math.min(...known)) / 1000);
  }
  lags.sort((a, b) => a - b);
  return lags;
}

const last = relayEvents.at(-1) ?? {};
const held = relayHeld(relayLog);
const rows = [['run', 'window', 'segments', 'P2P share', 'from relay', 'HTTP fetches/segment', 'stalls', 'latency']];
const report = {};
for (const [name, run, relayHeldMap] of [['with relay', withRun, held], ['without', withoutRun, new Map()]]) {
  const viewers = perViewer(run);
  const { from, to } = run.window;
  const windows = {
    // From each page's start: startup over HTTP before any peer included.
    'whole run': windowFigures(run, opened, to, relayHeldMap),
    // From each viewer's first peer connection on.
    'after 1st peer': windowFigures(run, firstPeer, to, relayHeldMap),
    // Sampled: every viewer playing and past its first peer connection.
    sampled: windowFigures(run, (v) => Math.max(from, firstPeer(v)), to, relayHeldMap),
  };
  report[name] = { viewers, windows };
  for (const [w, f] of Object.entries(windows)) {
    rows.push([name, w, f.segments, `${(f.p2pShare * 100).toFixed(1)} %`, `${(f.relayShare * 100).toFixed(1)} %`,
      f.fetchesPerSegment.toFixed(3), viewers.map((v) => v.stalls).join('/'), viewers.map((v) => v.latency?.toFixed(1)).join('/')]);
  }
  for (const v of viewers) {
    console.log(`${name.padEnd(10)} ${v.name}: relay ${mb(v.relayBytes)} in ${v.relaySegments} segments, `
      + `other viewers ${mb(v.viewerPeerBytes)}, HTTP ${mb(v.httpBytes)} in ${v.httpSegments} segments [${v.httpSn.join(' ')}]; `
      + `first peer ${v.firstPeerS === null ? "never" : `${v.firstPeerS.toFixed(1)} s after joining`}, ${v.beforePeer} segments over HTTP before it`
      + (v.firstRelayS === null ? '' : `; first segment from the relay ${v.firstRelayS.toFixed(1)} s after joining`));
  }
}
for (const r of rows) console.log(r.map((c) => String(c).padEnd(15)).join(' '));
const lags = relayLag(withRun, held);
if (lags.length) {
  console.log(`relay held each segment ${lags[Math.floor(lags.length / 2)].toFixed(2)} s (median), ${lags.at(-1).toFixed(2)} s (max) `
    + `after the first viewer listed it; later than a viewer for ${lags.filter((x) => x > 0).length} of ${lags.length}`);
}
console.log(`relay: served ${mb(last.bytes_served ?? 0)} to ${last.peers_served ?? 0} peers, fetched ${last.fetched_segments ?? 0} `
  + `segments, dropped ${JSON.stringify(last.dropped ?? {})}; load ${withRun.figures.loadavg.start[0].toFixed(1)}→${withRun.figures.loadavg.end[0].toFixed(1)} `
  + `(with), ${withoutRun.figures.loadavg.start[0].toFixed(1)}→${withoutRun.figures.loadavg.end[0].toFixed(1)} (without)`);

const failures = [];
for (const v of report['with relay'].viewers) {
  if (v.relayBytes <= 0) failures.push(`${v.name} received no segment bytes from the relay's peer`);
  if (v.stalls !== 0) failures.push(`${v.name} stalled ${v.stalls} times with the relay`);
}
// The issue's figure, once every viewer plays and has a peer: what loads
// before a viewer's first peer connection can only come over HTTP.
const sampled = report['with relay'].windows.sampled;
if (!(sampled.p2pShare >= 0.95)) failures.push(`P2P share ${(sampled.p2pShare * 100).toFixed(1)} % with the relay (want ≥ 95 %)`);
if (!(sampled.fetchesPerSegment <= 1.1)) failures.push(`${sampled.fetchesPerSegment.toFixed(3)} HTTP fetches per segment across the swarm with the relay (want ≤ 1.1)`);
if (held.size === 0) failures.push('the relay\'s log names no segment it held (run it with -v and JSON logs)');
if (!(last.bytes_served > 0)) failures.push('the relay reports no bytes served');
if (sigdFile) {
  const delivery = JSON.parse(fs.readFileSync(sigdFile, 'utf8')).delivery ?? { streams: [] };
  const sigdBytes = delivery.streams.reduce((s, st) => s + (st.total?.relays ?? 0), 0);
  const viewerSeries = delivery.streams.filter((st) => st.total?.relays > 0 && st.total?.p2p > 0).length;
  const off = last.bytes_served ? Math.abs(sigdBytes - last.bytes_served) / last.bytes_served : 1;
  console.log(`sigd: ${mb(sigdBytes)} from relays in ${delivery.relay_reports ?? 0} relay reports `
    + `(the relay's own events: ${mb(last.bytes_served ?? 0)}, ${(off * 100).toFixed(1)} % apart); `
    + `${viewerSeries} series with both relay and viewer bytes`);
  if (!(off <= 0.03)) failures.push(`sigd counts ${sigdBytes} relay bytes, the relay ${last.bytes_served}`);
  if (viewerSeries < 1) failures.push('sigd shows the relay\'s bytes in no series the viewers reported on');
}
for (const f of failures) console.error(`FAIL: ${f}`);
process.exit(failures.length ? 1 : 0);
