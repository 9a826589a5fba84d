// Reads the viewers' results of a run with meshrelay and one without it
// (tests/e2e/viewers.mjs --out) and the relay's own `relay` events, prints
// the figures side by side, and exits 1 unless every viewer received segment
// bytes from the relay's peer (its peer id starts with -MR) by its own stats,
// and, given sigd's /stats.json taken after the relay stopped, unless sigd's
// relay bytes match the relay's own last event within 3 %.
//
//   node relay-report.mjs WITH.json WITHOUT.json RELAY.jsonl [SIGD-STATS.json]
import fs from 'node:fs';

const [withFile, withoutFile, relayFile, sigdFile] = process.argv.slice(2);
const withRun = JSON.parse(fs.readFileSync(withFile, 'utf8'));
const withoutRun = JSON.parse(fs.readFileSync(withoutFile, 'utf8'));
const relayEvents = fs.readFileSync(relayFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  .filter((e) => e.event === 'relay');
const isRelay = (peer) => typeof peer === 'string' && peer.startsWith('-MR');
const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;

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
    const joined = v.trace?.[0]?.t;
    const firstRelay = (v.trace ?? []).find((e) => e.event === 'loaded' && e.source === 'p2p' && isRelay(e.peer));
    return { name: v.name, relayBytes: sum(fromRelay), relaySegments: fromRelay.length, viewerPeerBytes: sum(fromPeers),
      httpBytes: sum(http), httpSegments: http.length,
      firstRelayS: firstRelay && joined ? (firstRelay.t - joined) / 1000 : null, p2pBytesTotal: stats.p2pBytes, stalls: stats.stalls, latency: stats.latency };
  });
}

// HTTP segment fetches across the swarm per segment of the stream: the
// viewers' requests (their page's own request log) plus the relay's fetches.
function fetchesPerSegment(run, relayPerSegment) {
  const f = run.figures;
  return (f.originSegmentRequestsPerViewerMinute * f.viewers) / f.httpOnlySegmentRequestsPerViewerMinute + relayPerSegment;
}

// The relay's fetches while the viewers were sampled (its start-up backfill
// of already listed segments excluded), per segment the stream produced.
let relayPerSegment = 0;
const inWindow = relayEvents.filter((e) => Date.parse(e.time) >= withRun.window.from && Date.parse(e.time) <= withRun.window.to);
if (inWindow.length >= 2) {
  const a = inWindow[0], b = inWindow.at(-1);
  const seconds = (Date.parse(b.time) - Date.parse(a.time)) / 1000;
  relayPerSegment = seconds > 0 ? ((b.fetched_segments - a.fetched_segments) / seconds) * 2 : 0;
}
const last = relayEvents.at(-1) ?? {};
const rows = [['run', 'P2P share', 'from relay', 'HTTP fetches/segment (swarm)', 'stalls', 'latency']];
const report = {};
for (const [name, run, relay] of [['with relay', withRun, relayPerSegment], ['without', withoutRun, 0]]) {
  const viewers = perViewer(run);
  const relayBytes = viewers.reduce((s, v) => s + v.relayBytes, 0);
  const total = viewers.reduce((s, v) => s + v.relayBytes + v.viewerPeerBytes + v.httpBytes, 0);
  report[name] = { viewers, p2pShare: run.figures.p2pShare, fetchesPerSegment: fetchesPerSegment(run, relay) };
  rows.push([name, `${(run.figures.p2pShare * 100).toFixed(1)} %`,
    `${mb(relayBytes)} (${total ? ((relayBytes / total) * 100).toFixed(0) : 0} % of traced bytes)`,
    report[name].fetchesPerSegment.toFixed(2), viewers.map((v) => v.stalls).join('/'),
    viewers.map((v) => v.latency?.toFixed(1)).join('/')]);
  for (const v of viewers) {
    console.log(`${name.padEnd(10)} ${v.name}: relay ${mb(v.relayBytes)} in ${v.relaySegments} segments, `
      + `other viewers ${mb(v.viewerPeerBytes)}, HTTP ${mb(v.httpBytes)} in ${v.httpSegments} segments`
      + (v.firstRelayS === null ? '' : `; first segment from the relay ${v.firstRelayS.toFixed(1)} s after joining`));
  }
}
for (const r of rows) console.log(r.map((c) => String(c).padEnd(22)).join(' '));
console.log(`relay: served ${mb(last.bytes_served ?? 0)} to ${last.peers_served ?? 0} peers, fetched ${last.fetched_segments ?? 0} `
  + `segments (${relayPerSegment.toFixed(2)} per segment of the stream), dropped ${JSON.stringify(last.dropped ?? {})}`);

const failures = [];
for (const v of report['with relay'].viewers) {
  if (v.relayBytes <= 0) failures.push(`${v.name} received no segment bytes from the relay's peer`);
}
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
