// The venue report (docs/venue.md): the swarm simulation (swarm-sim.mjs)
// checked against the measured browser swarms, then carried to 100, 400 and
// 1,000 viewers on venue Wi-Fi. `make sim` runs it.
//
//   node tests/sim/venue.mjs [--measured docs/venue-swarm.json] [--docs docs] [--seeds 3] [--quick]
//   node tests/sim/venue.mjs --plot-only      (docs/venue.png again from docs/venue-sim.json)
//
// Rewrites the part of docs/venue.md between the `sim:begin` and `sim:end`
// markers, writes docs/venue-sim.json and, when gnuplot is installed,
// docs/venue.png (P2P share and CDN egress against viewers).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Swarm, parseOptions } from './swarm-sim.mjs';

const { values: args } = parseArgs({
  options: {
    measured: { type: 'string', default: 'docs/venue-swarm.json' },
    docs: { type: 'string', default: 'docs' },
    seeds: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    'plot-only': { type: 'boolean', default: false },
  },
});
const seeds = Number(args.seeds);

// Mean of the figures over several seeds.
function simulate(options) {
  const argv = Object.entries(options).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const runs = [];
  for (let s = 1; s <= seeds; s++) runs.push(new Swarm(parseOptions([...argv, '--seed', String(s)])).run());
  const mean = {};
  for (const key of Object.keys(runs[0])) {
    mean[key] = typeof runs[0][key] === 'number' ? runs.reduce((a, r) => a + r[key], 0) / runs.length : runs[0][key];
  }
  mean.p2pShareMin = Math.min(...runs.map((r) => r.p2pShare));
  mean.p2pShareMax = Math.max(...runs.map((r) => r.p2pShare));
  return mean;
}

const pct = (x) => `${(x * 100).toFixed(1)} %`;
const f = (x, d = 2) => x.toFixed(d);
const log = (m) => process.stderr.write(`venue: ${m}\n`);

// ---- calibration against the measured swarms ---------------------------------
function interval(row) {
  if (row.tracker !== 'sigd') return 120; // bittorrent-tracker's WebSocket interval
  const m = /--interval\s+(\d+)/.exec(row.sigdArgs ?? '');
  return m ? Number(m[1]) : 120;
}
function coreSettings(query) {
  const q = new URLSearchParams(query ?? '');
  const out = {};
  if (q.get('core.simultaneousP2PDownloads')) out['sim-p2p'] = q.get('core.simultaneousP2PDownloads');
  if (q.get('core.simultaneousHttpDownloads')) out['sim-http'] = q.get('core.simultaneousHttpDownloads');
  return out;
}

function calibrate(measured) {
  const rows = [];
  for (const m of measured) {
    const bytesPerSegment = m.segmentBytes;
    const sim = simulate({
      viewers: m.viewers, latency: m.latency, interval: interval(m), seconds: Math.round(m.sampledSeconds),
      warmup: 1, 'join-spread': m.joinSpread, hdtw: m.hdtw, 'segment-bytes': bytesPerSegment, ...coreSettings(m.query),
    });
    rows.push({ measured: m, sim });
    log(`calibration N=${m.viewers} ${m.tracker}: measured ${pct(m.p2pShare)}, simulated ${pct(sim.p2pShare)}`);
  }
  return rows;
}

// ---- venue scenarios -------------------------------------------------------------
// Per-viewer upload a phone on a busy venue Wi-Fi gets, and the venue's
// Wi-Fi airtime per viewer (all access points together). The stream is
// ~0.9 Mbit/s; a P2P transfer between two Wi-Fi clients crosses the air twice.
const PROFILES = [
  { name: 'good Wi-Fi', upMbps: 5, wifiPerViewer: 4 },
  { name: 'busy Wi-Fi', upMbps: 2, wifiPerViewer: 2 },
  { name: 'saturated Wi-Fi', upMbps: 2, wifiPerViewer: 1.2 },
];
// What an operator can set: the viewer page's query (latency, hdtw) and a
// relay; sigd's announce interval stays at its default of 120 s.
const SETTINGS = [
  { name: 'hdtw=12 (before)', opts: { hdtw: 12 } },
  { name: 'defaults (20 s, hdtw 6)', opts: {} },
  { name: 'latency=30', opts: { latency: 30 } },
  { name: 'defaults + relays', opts: {}, relays: true },
];

function venue(segmentBytes) {
  const sizes = args.quick ? [100, 400] : [100, 400, 1000];
  const rows = [];
  for (const profile of PROFILES) {
    for (const setting of SETTINGS) {
      for (const n of sizes) {
        const opts = {
          viewers: n, latency: 20, interval: 120, seconds: args.quick ? 60 : 120, warmup: 60, 'join-spread': 60,
          'segment-bytes': segmentBytes, 'up-mbps': profile.upMbps, 'down-mbps': 30,
          'wifi-mbps': profile.wifiPerViewer * n, 'watch-minutes': 30, ...setting.opts,
        };
        // One wired relay per 100 viewers, 100 Mbit/s up each (issue 19's node).
        if (setting.relays) Object.assign(opts, { relays: Math.ceil(n / 100), 'relay-up-mbps': 100 });
        const sim = simulate(opts);
        rows.push({ profile: profile.name, setting: setting.name, viewers: n, upMbps: profile.upMbps, wifiPerViewer: profile.wifiPerViewer, sim });
        log(`${profile.name}, ${setting.name}, N=${n}: ${pct(sim.p2pShare)} P2P, ${f(sim.stallsPerViewerHour)} stalls/viewer-hour`);
      }
    }
  }
  return rows;
}

// ---- the report ----------------------------------------------------------------
function calibrationTable(rows) {
  const lines = ['| N | tracker (announce interval) | behind live, hdtw | P2P share measured | simulated | Δ points | HTTP fetches/segment measured | simulated | peers measured | simulated |',
    '|---|---|---|---|---|---|---|---|---|---|'];
  for (const { measured: m, sim: s } of rows) {
    lines.push(`| ${m.viewers} | ${m.tracker} (${interval(m)} s) | ${m.latency} s, ${m.hdtw} s | ${pct(m.p2pShare)} | ${pct(s.p2pShare)} | ${f((s.p2pShare - m.p2pShare) * 100, 1)} `
      + `| ${f(m.httpFetchesPerSegment)} | ${f(s.httpFetchesPerSegment)} | ${f(m.meanPeers, 1)} | ${f(s.meanPeers, 1)} |`);
  }
  return lines.join('\n');
}

function venueTable(rows) {
  const lines = ['| Wi-Fi (up/viewer, air/viewer) | settings | viewers | P2P share | CDN GB per viewer-hour | HTTP fetches/segment | stalls per viewer-hour | peers | sigd messages/s | Wi-Fi saturated |',
    '|---|---|---|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const s = r.sim;
    lines.push(`| ${r.profile} (${r.upMbps}, ${r.wifiPerViewer} Mbit/s) | ${r.setting} | ${r.viewers} | ${pct(s.p2pShare)} | ${f(s.cdnGBPerViewerHour, 3)} `
      + `| ${f(s.httpFetchesPerSegment, 1)} | ${f(s.stallsPerViewerHour, 1)} | ${f(s.meanPeers, 0)} | ${f(s.trackerMessagesPerSecond, 0)} | ${pct(s.wifiSaturatedShare)} |`);
  }
  return lines.join('\n');
}

function plot(rows, dir) {
  const data = path.join(dir, 'venue-plot.dat');
  const series = [];
  for (const profile of PROFILES) {
    for (const setting of SETTINGS) {
      const pts = rows.filter((r) => r.profile === profile.name && r.setting === setting.name);
      series.push({ title: `${profile.name}, ${setting.name}`, pts });
    }
  }
  const text = series.map((s) => `# ${s.title}\n${s.pts.map((r) => `${r.viewers} ${(r.sim.p2pShare * 100).toFixed(2)} ${(r.sim.cdnGBPerViewerHour * 1000).toFixed(1)}`).join('\n')}`).join('\n\n\n');
  fs.writeFileSync(data, `${text}\n`);
  const png = path.join(dir, 'venue.png');
  const plots = (col) => series.map((s, i) => `'${data}' index ${i} using 1:${col} with linespoints title '${s.title}'`).join(', ');
  const script = [
    "set terminal pngcairo size 1300,480 font ',9'", `set output '${png}'`, 'set multiplot layout 1,2',
    'set logscale x', 'set xrange [85:1200]', 'set xtics (100, 400, 1000)', "set xlabel 'viewers'", 'set grid',
    'unset key', 'set lmargin at screen 0.05', 'set rmargin at screen 0.37',
    "set ylabel 'P2P share (%)'", 'set yrange [0:100]', `plot ${plots(2)}`,
    'set key outside right top vertical font ",8"', 'set lmargin at screen 0.44', 'set rmargin at screen 0.76',
    "set ylabel 'CDN egress (MB per viewer-hour)'", 'set yrange [0:*]', `plot ${plots(3)}`,
    'unset multiplot'].join('\n');
  try {
    execFileSync('gnuplot', [], { input: script });
    fs.unlinkSync(data);
    return true;
  } catch (err) {
    log(`no plot (gnuplot: ${err.message.split('\n')[0]}); apt-get install gnuplot-nox for docs/venue.png`);
    fs.unlinkSync(data);
    return false;
  }
}

// Runs that stalled were starved of CPU (the machine is shared): not a swarm's behaviour.
if (args['plot-only']) {
  plot(JSON.parse(fs.readFileSync(path.join(args.docs, 'venue-sim.json'), 'utf8')).venue, args.docs);
  process.exit(0);
}
const measured = JSON.parse(fs.readFileSync(args.measured, 'utf8')).filter((m) => m.stalls === 0);
const calibration = calibrate(measured);
const segmentBytes = Math.round(measured.reduce((a, m) => a + m.segmentBytes, 0) / measured.length);
const venueRows = venue(segmentBytes);
fs.writeFileSync(path.join(args.docs, 'venue-sim.json'), JSON.stringify({ seeds, segmentBytes, calibration, venue: venueRows }, null, 1));
plot(venueRows, args.docs);
const doc = path.join(args.docs, 'venue.md');
const body = fs.readFileSync(doc, 'utf8');
const begin = '<!-- sim:begin (make sim rewrites this part) -->';
const end = '<!-- sim:end -->';
const a = body.indexOf(begin);
const b = body.indexOf(end);
if (a < 0 || b < a) throw new Error(`${doc} lacks the ${begin} … ${end} markers`);
const generated = `${begin}\n### Calibration: simulated against the measured swarms (${seeds} seeds each)\n\n${calibrationTable(calibration)}\n\n`
  + `### 100, 400 and 1,000 viewers (30 min mean stay, ${segmentBytes} B segments, ${seeds} seeds)\n\n${venueTable(venueRows)}\n\n![P2P share and CDN egress against viewers](venue.png)\n`;
fs.writeFileSync(doc, body.slice(0, a) + generated + body.slice(b));
log(`wrote ${doc}, ${path.join(args.docs, 'venue-sim.json')}`);
