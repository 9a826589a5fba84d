// Explains where each segment came from, across viewers, from the per-segment
// traces viewers.mjs saves (window.hlsmeshTrace of every viewer):
//
//   node trace-report.mjs RESULT.json [--segments]
//
// For every segment that appeared while the figures were sampled: how many
// viewers fetched it over HTTP and why each fetch beyond the first happened:
//   race        an early (pre-high-demand) HTTP fetch started while another
//               viewer's HTTP fetch of it was already under way or done
//   urgent-none the segment became urgent (high-demand) before anyone had it
//   urgent-had  it became urgent while a peer already had it: the P2P copy
//               came too late (slow announcement, busy P2P slots, a P2P
//               download aborted or failed)
// and the timings behind them: when a segment became known to each viewer,
// how long HTTP and P2P downloads took, how far ahead of the playhead.
import fs from 'node:fs';

const file = process.argv[2];
const listSegments = process.argv.includes('--segments');
if (!file) { console.error('usage: trace-report.mjs RESULT.json [--segments]'); process.exit(64); }
const result = JSON.parse(fs.readFileSync(file, 'utf8'));
const { from, to } = result.window ?? { from: -Infinity, to: Infinity };
const viewers = result.viewers.filter((v) => v.trace && v.trace.length && v.name !== 'late');

// sn → viewer → events
const segs = new Map();
for (const v of viewers) {
  for (const e of v.trace) {
    if (e.sn === null) continue;
    if (!segs.has(e.sn)) segs.set(e.sn, new Map());
    const per = segs.get(e.sn);
    if (!per.has(v.name)) per.set(v.name, []);
    per.get(v.name).push(e);
  }
}

const median = (xs) => { if (!xs.length) return null; const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const pct = (xs, p) => { if (!xs.length) return null; const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };
const f1 = (x) => (x === null || x === undefined ? '–' : x.toFixed(1));

const httpFetchHistogram = new Map();
const causes = { race: 0, 'urgent-none': 0, 'urgent-had': 0, 'early-had': 0 };
let segmentsCounted = 0;
let httpStarts = 0; let httpLoads = 0; let p2pLoads = 0; let httpEarly = 0; let httpUrgent = 0;
const knownToUrgent = []; // s between a viewer learning of a segment and it becoming urgent (ahead - hdtw)
const httpMs = []; const p2pMs = []; const announceToP2pStart = []; const raceGapMs = [];
const urgentHadDetail = { p2pAbortedBefore: 0, p2pFailedBefore: 0, p2pNeverStarted: 0, p2pStillRunning: 0 };
const p2pErrors = new Map();
const lines = [];

for (const [sn, per] of [...segs.entries()].sort((a, b) => a[0] - b[0])) {
  const all = [...per.entries()].flatMap(([name, es]) => es.map((e) => ({ ...e, viewer: name })));
  const known = all.filter((e) => e.event === 'known');
  if (!known.length) continue;
  const firstKnown = Math.min(...known.map((e) => e.t));
  // Only segments that appeared inside the sampling window, and whose fate is settled.
  if (firstKnown < from || firstKnown > to - 25000) continue;
  segmentsCounted += 1;
  const starts = all.filter((e) => e.event === 'start').sort((a, b) => a.t - b.t);
  const loads = all.filter((e) => e.event === 'loaded');
  const httpStartList = starts.filter((e) => e.source === 'http');
  httpStarts += httpStartList.length;
  httpEarly += httpStartList.filter((e) => !e.urgent).length;
  httpUrgent += httpStartList.filter((e) => e.urgent).length;
  const httpLoadList = loads.filter((e) => e.source === 'http');
  httpLoads += httpLoadList.length;
  p2pLoads += loads.filter((e) => e.source === 'p2p').length;
  httpFetchHistogram.set(httpLoadList.length, (httpFetchHistogram.get(httpLoadList.length) ?? 0) + 1);
  for (const e of all.filter((x) => x.event === 'error' && x.source === 'p2p')) p2pErrors.set(e.error, (p2pErrors.get(e.error) ?? 0) + 1);

  for (const [name, es] of per) {
    const k = es.find((e) => e.event === 'known');
    const hd = viewers.find((v) => v.name === name)?.samples?.at(-1)?.highDemandTimeWindow ?? null;
    if (k && hd !== null && k.ahead !== undefined) knownToUrgent.push(k.ahead - hd);
    // durations: start → loaded of the same source
    for (const s of es.filter((e) => e.event === 'start')) {
      const l = es.find((e) => e.event === 'loaded' && e.source === s.source && e.t >= s.t);
      if (l) (s.source === 'http' ? httpMs : p2pMs).push(l.t - s.t);
    }
  }
  // When the first viewer had it loaded, how long until each other viewer started a P2P download?
  const firstLoaded = loads.sort((a, b) => a.t - b.t)[0];
  if (firstLoaded) {
    for (const s of starts.filter((e) => e.source === 'p2p' && e.viewer !== firstLoaded.viewer && e.t >= firstLoaded.t)) {
      announceToP2pStart.push(s.t - firstLoaded.t);
    }
  }

  // Classify every HTTP fetch beyond the first one.
  const desc = [];
  httpStartList.forEach((s, i) => {
    const others = all.filter((e) => e.viewer !== s.viewer && e.t <= s.t);
    const otherHad = others.some((e) => e.event === 'loaded');
    const otherHttp = others.some((e) => e.event === 'start' && e.source === 'http');
    let cause = 'first';
    if (i > 0 || otherHad) {
      if (!s.urgent) {
        cause = otherHad ? 'early-had' : 'race';
        if (cause === 'race' && otherHttp) {
          const prev = httpStartList.filter((p) => p.viewer !== s.viewer && p.t <= s.t).at(-1);
          if (prev) raceGapMs.push(s.t - prev.t);
        }
      } else if (!otherHad) {
        cause = 'urgent-none';
      } else {
        cause = 'urgent-had';
        const mine = per.get(s.viewer).filter((e) => e.t <= s.t + 1);
        const p2pStart = mine.filter((e) => e.event === 'start' && e.source === 'p2p');
        if (!p2pStart.length) urgentHadDetail.p2pNeverStarted += 1;
        else if (mine.some((e) => e.event === 'abort' && e.source === 'p2p' && e.t < s.t - 1)) urgentHadDetail.p2pAbortedBefore += 1;
        else if (mine.some((e) => e.event === 'error' && e.source === 'p2p')) urgentHadDetail.p2pFailedBefore += 1;
        else urgentHadDetail.p2pStillRunning += 1;
      }
      if (cause !== 'first') causes[cause] += 1;
    }
    desc.push(`${s.viewer}:${s.urgent ? 'U' : 'E'}@${f1(s.ahead)}${cause !== 'first' ? `(${cause})` : ''}`);
  });
  if (listSegments) {
    const kn = known.map((e) => `${e.viewer}+${((e.t - firstKnown) / 1000).toFixed(1)}`).join(' ');
    const p2p = loads.filter((e) => e.source === 'p2p').map((e) => `${e.viewer}@${((e.t - firstKnown) / 1000).toFixed(1)}`).join(' ');
    const bad = all.filter((e) => e.event === 'error' || e.event === 'abort').map((e) => `${e.viewer}:${e.event}/${e.source}${e.error ? `/${e.error}` : ''}@${((e.t - firstKnown) / 1000).toFixed(1)}`).join(' ');
    lines.push(`sn ${sn}: known ${kn} | http ${desc.join(' ') || '-'} | p2p loaded ${p2p || '-'}${bad ? ` | ${bad}` : ''}`);
  }
}

if (listSegments) console.log(lines.join('\n'));
const n = segmentsCounted;
console.log(`${file}: ${n} segments, ${viewers.length} viewers`);
if (!n) process.exit(0);
console.log(`HTTP loads per segment ${(httpLoads / n).toFixed(2)} (starts ${(httpStarts / n).toFixed(2)}: early ${(httpEarly / n).toFixed(2)}, urgent ${(httpUrgent / n).toFixed(2)}); P2P loads per segment ${(p2pLoads / n).toFixed(2)}`);
console.log(`segments by number of HTTP loads: ${[...httpFetchHistogram.entries()].sort((a, b) => a[0] - b[0]).map(([k, c]) => `${k}×: ${c}`).join(', ')}`);
console.log(`extra HTTP fetches by cause (per segment): ${Object.entries(causes).map(([k, c]) => `${k} ${(c / n).toFixed(2)}`).join(', ')}`);
console.log(`  urgent-had detail: ${Object.entries(urgentHadDetail).map(([k, c]) => `${k} ${c}`).join(', ')}`);
console.log(`  P2P errors: ${[...p2pErrors.entries()].map(([k, c]) => `${k} ${c}`).join(', ') || 'none'}`);
console.log(`time from known to urgent, s: median ${f1(median(knownToUrgent))}, p10 ${f1(pct(knownToUrgent, 0.1))}, p90 ${f1(pct(knownToUrgent, 0.9))}`);
console.log(`HTTP download ms: median ${f1(median(httpMs))}, p90 ${f1(pct(httpMs, 0.9))}; P2P download ms: median ${f1(median(p2pMs))}, p90 ${f1(pct(p2pMs, 0.9))}`);
console.log(`first copy loaded → other viewer's P2P start, ms: median ${f1(median(announceToP2pStart))}, p90 ${f1(pct(announceToP2pStart, 0.9))}`);
console.log(`racing early HTTP fetches: gap to the other viewer's start, ms: median ${f1(median(raceGapMs))}, max ${f1(pct(raceGapMs, 1))}`);
