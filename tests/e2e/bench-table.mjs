// Prints the e2e benchmark's figures, one row per variant, from the JSON files
// viewers.mjs wrote (bench-<tracker>@<latency>.json).
import fs from 'node:fs';
import path from 'node:path';

const rows = process.argv.slice(2).map((file) => {
  const { figures } = JSON.parse(fs.readFileSync(file, 'utf8'));
  // bench-<tracker>@<latency>[+<setting>=<value>...].json
  const [variant, ...extra] = path.basename(file, '.json').replace(/^bench-/, '').split('+');
  const [tracker, latency] = variant.split('@');
  return { tracker, target: Number(latency), extra: extra.join('&'), ...figures };
});
const pad = (s, n) => String(s).padEnd(n);
const num = (x, d = 1) => (x === null || x === undefined ? '–' : x.toFixed(d));
console.log(`${pad('tracker', 20)}${pad('target', 8)}${pad('settings', 16)}${pad('P2P share', 11)}${pad('origin MB/viewer-min', 22)}`
  + `${pad('segment req/viewer-min', 24)}${pad('latency s', 11)}${pad('per-viewer P2P %', 18)}stalls`);
for (const r of rows.sort((a, b) => a.target - b.target || a.tracker.localeCompare(b.tracker) || a.extra.localeCompare(b.extra))) {
  const perViewer = r.perViewer.map((v) => Math.round(v.p2pShare * 100)).join('/');
  const stalls = r.perViewer.reduce((s, v) => s + v.stalls, 0);
  console.log(`${pad(r.tracker, 20)}${pad(`${r.target} s`, 8)}${pad(r.extra || '-', 16)}${pad(`${num(r.p2pShare * 100)} %`, 11)}`
    + `${pad(num(r.originBytesPerViewerMinute / 1e6, 2), 22)}${pad(num(r.originSegmentRequestsPerViewerMinute), 24)}`
    + `${pad(num(r.meanLatency), 11)}${pad(perViewer, 18)}${stalls}`);
}
const find = (t, l) => rows.find((r) => r.tracker === t && r.target === l && !r.extra);
for (const l of [...new Set(rows.map((r) => r.target))]) {
  const s = find('sigd', l); const b = find('bittorrent-tracker', l); const h = find('http-only', 20);
  if (s && b) {
    console.log(`at ${l} s: sigd P2P share ${num(s.p2pShare * 100)} % vs bittorrent-tracker ${num(b.p2pShare * 100)} % `
      + `(ratio ${num(s.p2pShare / (b.p2pShare || NaN), 2)}); origin bytes ratio ${num(s.originBytesPerViewerMinute / b.originBytesPerViewerMinute, 2)}`);
  }
  if (s && h) console.log(`at ${l} s: sigd origin bytes/viewer-min = ${num(s.originBytesPerViewerMinute / h.originBytesPerViewerMinute, 2)} × HTTP-only`);
}
// The issue's goals for sigd: ≥ 60 % P2P at 20 s behind live, ≥ 50 % at ≤ 10 s.
const goals = [{ latency: 20, share: 0.6 }, { latency: 10, share: 0.5 }];
for (const g of goals) {
  const s = find('sigd', g.latency);
  if (!s) continue;
  const stalls = s.perViewer.reduce((sum, v) => sum + v.stalls, 0);
  console.log(`goal at ${g.latency} s: sigd ${num(s.p2pShare * 100)} % P2P (goal ≥ ${g.share * 100} %): `
    + `${s.p2pShare >= g.share ? 'MET' : 'NOT MET'}${stalls ? ` (${stalls} stall(s) in that run)` : ''}`);
}
