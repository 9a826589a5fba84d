// meshrelay beside a Chromium viewer, serving the same segments in one run.
// Three headless Chromium processes open the real viewer page
// (p2p-media-loader, as tests/e2e/viewers.mjs drives it) on one live stream:
//   seeder    swarm "browser": close to live, it fetches every segment over
//             HTTP as soon as it is listed, as the relay does, and serves it
//   browser   swarm "browser": 20 s behind live, takes its segments from seeder
//   relayed   swarm "relay": 20 s behind live, takes its segments from meshrelay
// and the CPU time of the seeder's Chromium (all its processes, /proc) per MB
// it uploaded is set against meshrelay's per MB it served. The two leechers
// leave their random early HTTP loads to the last 2 s before the high-demand
// window, so their segments come from their seeder. Run inside a network
// namespace with only `lo` (tests/bench/meshrelay/chromium).
//
//   node chromium-serve.mjs --page URL --tracker WS --relay-pid PID [--duration 90] [--warmup 15]
// Prints one JSON line; exits 1 when a leecher got no bytes from its seeder.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';

const opts = { page: null, tracker: null, relayPid: null, duration: 90, warmup: 15, chromium: '/usr/bin/chromium' };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, '').replace(/-(.)/g, (_, c) => c.toUpperCase());
  if (!(key in opts)) { console.error(`chromium-serve.mjs: unknown option ${process.argv[i]}`); process.exit(64); }
  opts[key] = typeof opts[key] === 'number' || key === 'relayPid' ? Number(process.argv[i + 1]) : process.argv[i + 1];
}
if (!opts.page || !opts.tracker || !opts.relayPid) {
  console.error('usage: chromium-serve.mjs --page URL --tracker WS --relay-pid PID [--duration S] [--warmup S]');
  process.exit(64);
}
const log = (msg) => console.error(`chromium-serve: ${msg}`);
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));

// utime + stime of every process, and who its parent is.
function processTable() {
  const table = new Map();
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(pid, { parent: f[1], seconds: (Number(f[11]) + Number(f[12])) / 100 }); // USER_HZ ticks
    } catch { /* gone meanwhile */ }
  }
  return table;
}
// CPU seconds of `root` and all its descendants.
function treeCpu(root, table = processTable()) {
  let total = 0;
  for (const [pid, p] of table) {
    for (let q = pid, n = 0; q && n < 64; q = table.get(q)?.parent, n++) {
      if (q === root) { total += p.seconds; break; }
    }
  }
  return total;
}
const children = () => new Set([...processTable()].filter(([, p]) => p.parent === String(process.pid)).map(([pid]) => pid));

// The flags that make WebRTC over loopback work (reference/p2p-browser.md).
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required', '--mute-audio',
  '--disable-features=WebRtcHideLocalIpsWithMdns', '--allow-loopback-in-peer-connection',
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'];

// One Chromium process per viewer, so each one's CPU is its own.
async function openViewer(name, query) {
  const before = children();
  const browser = await chromium.launch({ executablePath: opts.chromium, headless: true, args: ARGS });
  const root = [...children()].find((pid) => !before.has(pid));
  const ctx = await browser.newContext({ viewport: { width: 480, height: 300 } });
  const url = new URL(opts.page);
  await ctx.grantPermissions(['camera', 'microphone'], { origin: url.origin });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  url.search = new URLSearchParams({ stun: '0', tracker: opts.tracker, overlay: '0', ...query }).toString();
  await page.goto(url.href, { waitUntil: 'commit' });
  log(`${name} opened (Chromium pid ${root})`);
  return { name, browser, page, root, errors };
}
const stats = (v) => v.page.evaluate(() => JSON.parse(JSON.stringify(window.hlsmeshStats ?? null)));
async function waitPlaying(v, seconds = 40) {
  for (const end = Date.now() + seconds * 1000; Date.now() < end; await sleep(0.25)) {
    const s = await stats(v);
    if (s && s.firstPlayingAt !== null && s.currentTime > 0) return;
  }
  throw new Error(`${v.name} did not start playing in ${seconds} s`);
}
const procCpu = (pid) => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};

const viewers = [];
let failed = false;
try {
  // The seeder sits 8 s behind live with a 7 s high-demand window: every
  // segment is due the moment it is listed, so it fetches each one at once.
  const seeder = await openViewer('seeder', { swarm: 'bench-browser', latency: '8', hdtw: '7' });
  viewers.push(seeder);
  await waitPlaying(seeder);
  const lateHttp = { 'core.httpDownloadTimeWindow': '8' };
  const browserLeech = await openViewer('browser', { swarm: 'bench-browser', ...lateHttp });
  const relayLeech = await openViewer('relayed', { swarm: 'bench-relay', ...lateHttp });
  viewers.push(browserLeech, relayLeech);
  await Promise.all([waitPlaying(browserLeech), waitPlaying(relayLeech)]);
  await sleep(opts.warmup);

  const sample = async () => {
    const table = processTable();
    return { at: Date.now(), cpu: viewers.map((v) => treeCpu(v.root, table)), relayCpu: procCpu(opts.relayPid),
      stats: await Promise.all(viewers.map(stats)) };
  };
  const a = await sample();
  const loadStart = os.loadavg();
  log(`sampling ${opts.duration} s`);
  await sleep(opts.duration);
  const b = await sample();
  const seconds = (b.at - a.at) / 1000;
  const d = (i, k) => b.stats[i][k] - a.stats[i][k];
  const cpu = (i) => b.cpu[i] - a.cpu[i];
  const MB = 1e6;
  const perMb = (cpuS, bytes) => (bytes > 0 ? (cpuS * 1000) / (bytes / MB) : null);
  // At 2 Mbit/s a viewer takes 0.25 MB/s: a core serves 1 / (CPU s per MB × 0.25) of them.
  const perCore = (msPerMb) => (msPerMb ? 1 / ((msPerMb / 1000) * 0.25) : null);
  const seederUp = d(0, 'uploadedBytes');
  const relayServed = d(2, 'p2pBytes'); // the relayed viewer's only peer is meshrelay
  const relayCpu = b.relayCpu - a.relayCpu;
  const chromiumMs = perMb(cpu(0), seederUp);
  const relayMs = perMb(relayCpu, relayServed);
  // The seeder's CPU beyond the browser leecher's (same page, same video, no
  // uploading): roughly what serving itself costs a browser.
  const marginalMs = perMb(cpu(0) - cpu(1), seederUp);
  const result = {
    bench: 'meshrelay-vs-chromium', seconds: Number(seconds.toFixed(1)), cores: os.cpus().length,
    load: { start: loadStart.map((x) => Number(x.toFixed(2))), end: os.loadavg().map((x) => Number(x.toFixed(2))) },
    stream_mbit_s: Number((((d(1, 'p2pBytes') + d(1, 'httpBytes')) * 8) / seconds / 1e6).toFixed(2)),
    chromium_seeder: { uploaded_mb: Number((seederUp / MB).toFixed(2)), cpu_s: Number(cpu(0).toFixed(2)),
      cpu_ms_per_mb: chromiumMs && Number(chromiumMs.toFixed(1)), viewers_per_core_2mbit: chromiumMs && Number(perCore(chromiumMs).toFixed(1)),
      beyond_leecher_cpu_ms_per_mb: marginalMs && Number(marginalMs.toFixed(1)) },
    meshrelay: { served_mb: Number((relayServed / MB).toFixed(2)), cpu_s: Number(relayCpu.toFixed(2)),
      cpu_ms_per_mb: relayMs && Number(relayMs.toFixed(1)), viewers_per_core_2mbit: relayMs && Number(perCore(relayMs).toFixed(0)) },
    chromium_to_meshrelay_cpu_per_mb: chromiumMs && relayMs ? Number((chromiumMs / relayMs).toFixed(1)) : null,
    seeder_beyond_leecher_to_meshrelay: marginalMs && relayMs ? Number((marginalMs / relayMs).toFixed(1)) : null,
    leechers: viewers.slice(1).map((v, k) => ({ name: v.name, cpu_s: Number(cpu(k + 1).toFixed(2)),
      p2p_share: Number((d(k + 1, 'p2pBytes') / Math.max(1, d(k + 1, 'p2pBytes') + d(k + 1, 'httpBytes'))).toFixed(3)),
      stalls: b.stats[k + 1].stalls })),
  };
  console.log(JSON.stringify(result));
  for (const v of viewers.slice(1)) {
    const k = viewers.indexOf(v);
    if (!(d(k, 'p2pBytes') > 0)) { log(`FAIL: ${v.name} received nothing from its seeder`); failed = true; }
  }
  for (const v of viewers) if (v.errors.length) { log(`FAIL: ${v.name}: ${v.errors.slice(0, 3).join('; ')}`); failed = true; }
} finally {
  await Promise.all(viewers.map((v) => v.browser.close().catch(() => {})));
}
process.exit(failed ? 1 : 0);
