// Prints the swarm benchmark's table, one row per run, sigd and
// bittorrent-tracker side by side per swarm size, from the JSON files the
// swarm scenario of tests/e2e/run wrote (swarm-<tracker>-n<N>-l<latency>[-tag].json),
// and the issue's goals against them. --json FILE also writes the rows.
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonOut = jsonAt >= 0 ? args.splice(jsonAt, 2)[1] : null;

const rows = args.map((file) => {
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  const [, tracker, n, latency, tag] = path.basename(file, '.json').match(/^swarm-(.+)-n(\d+)-l(\d+)(?:-(.+))?$/) ?? [];
  const f = r.figures;
  const seconds = f.sampledSeconds;
  const msgs = (s) => (s?.messages_in ?? 0) + (s?.messages_out ?? 0);
  const trackerMessages = r.tracker?.statsEnd?.messages_in === undefined ? null
    : (msgs(r.tracker.statsEnd) - msgs(r.tracker.statsStart));
  return {
    file: path.basename(file), tracker, viewers: Number(n), latency: Number(latency), tag: tag ?? '',
    p2pShare: f.p2pShare, httpFetchesPerSegment: f.httpFetchesPerSegment,
    originMBPerViewerMinute: f.originBytesPerViewerMinute / 1e6, stalls: f.stalls, meanPeers: f.meanPeers,
    meanLatency: f.meanLatency, httpEarly: f.segmentsPerViewerMinute.httpEarly, httpUrgent: f.segmentsPerViewerMinute.httpUrgent,
    // Over the whole run (joins included), not only the sampled window.
    trackerMessages, sampledSeconds: seconds, browserCoresPerViewer: f.browserCoresPerViewer, loadavg: f.loadavg, sigdArgs: r.tracker?.args ?? '', query: r.tracker?.query ?? '',
    failures: r.failures?.length ?? 0,
    // For the simulation's calibration (tests/sim/venue.mjs).
    hdtw: f.perViewer[0]?.highDemandTimeWindow ?? null,
    segmentBytes: Math.round((f.p2pBytesPerViewerMinute + f.originBytesPerViewerMinute) / 30),
    joinSpread: Math.max(...r.viewers.map((v) => v.openedAt)) - Math.min(...r.viewers.map((v) => v.openedAt)),
  };
}).sort((a, b) => a.latency - b.latency || a.tag.localeCompare(b.tag) || a.viewers - b.viewers || a.tracker.localeCompare(b.tracker));

const pad = (s, n) => String(s).padEnd(n);
const num = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
console.log(`${pad('N', 4)}${pad('tracker', 20)}${pad('behind', 8)}${pad('tag', 10)}${pad('P2P %', 8)}${pad('HTTP/seg', 10)}`
  + `${pad('origin MB/v-min', 17)}${pad('stalls', 8)}${pad('peers', 7)}${pad('early/urgent per v-min', 24)}${pad('tracker msgs', 14)}${pad('CPU/viewer', 12)}load 1m`);
for (const r of rows) {
  console.log(`${pad(r.viewers, 4)}${pad(r.tracker, 20)}${pad(`${r.latency} s`, 8)}${pad(r.tag || '-', 10)}`
    + `${pad(num(r.p2pShare * 100), 8)}${pad(num(r.httpFetchesPerSegment, 2), 10)}${pad(num(r.originMBPerViewerMinute, 2), 17)}`
    + `${pad(r.stalls, 8)}${pad(num(r.meanPeers), 7)}${pad(`${num(r.httpEarly)}/${num(r.httpUrgent)}`, 24)}`
    + `${pad(r.trackerMessages ?? '–', 14)}${pad(`${num((r.browserCoresPerViewer ?? NaN) * 100)} %`, 12)}${num(r.loadavg?.start?.[0], 2)}→${num(r.loadavg?.end?.[0], 2)}`);
}
// The issue's goals (sigd, untagged runs): ≥ 85 % at N = 12, ≥ 90 % at the
// largest N, 0 stalls and ≤ 1.3 HTTP fetches per segment at every N, 20 s
// behind live; ≥ 80 % at 10 s.
const sigd = rows.filter((r) => r.tracker === 'sigd' && !r.tag);
const largest = Math.max(...sigd.filter((r) => r.latency === 20).map((r) => r.viewers));
for (const r of sigd) {
  const goals = [];
  if (r.latency === 20 && r.viewers === 12) goals.push(['P2P ≥ 85 %', r.p2pShare >= 0.85]);
  if (r.latency === 20 && r.viewers === largest && largest > 12) goals.push(['P2P ≥ 90 % (largest N)', r.p2pShare >= 0.9]);
  if (r.latency === 10) goals.push(['P2P ≥ 80 %', r.p2pShare >= 0.8]);
  if (r.latency === 20) goals.push(['0 stalls', r.stalls === 0], ['≤ 1.3 HTTP/segment', r.httpFetchesPerSegment <= 1.3]);
  if (goals.length) {
    console.log(`goal, sigd N=${r.viewers} at ${r.latency} s: ${goals.map(([g, ok]) => `${g} ${ok ? 'MET' : 'NOT MET'}`).join('; ')}`);
  }
}
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(rows, null, 1));
