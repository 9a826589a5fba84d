// Drives headless Debian Chromium viewers (playwright-core) against the hlsmesh
// viewer page, samples window.hlsmeshStats, and checks what a live P2P stream
// must do. Run inside a network namespace with only `lo` up (see run).
//
//   node viewers.mjs --url URL [--viewers 3] [--stagger 2.5] [--duration 100]
//     [--late-at S] [--kill-pid PID --kill-at S [--tracker-back-after S] [--rejoin-at S]]
//     [--target-duration 2] [--screenshot FILE] [--out FILE.json] [--check]
//     [--browsers 1] [--viewport 480x300]
//
// --late-at, --kill-at, --rejoin-at and --duration are seconds after sampling
// starts (when every initial viewer plays). --tracker-back-after: the tracker
// is restarted (by the caller) that many seconds after the kill; every viewer
// must then reconnect, and one opened at --rejoin-at must find peers. With
// --check it exits 1 and lists every failed expectation. --browsers spreads
// the viewers (one browser context each) over that many Chromium processes;
// --viewport sizes every viewer's page but the first (screenshot-sized).
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';

const opts = {
  url: null, viewers: 3, stagger: 2.5, duration: 100, lateAt: null, killPid: null, killAt: null,
  trackerBackAfter: null, rejoinAt: null,
  targetDuration: 2, screenshot: null, out: null, check: false, chromium: '/usr/bin/chromium',
  browsers: 1, viewport: '480x300',
};
const nullableNumbers = ['lateAt', 'killPid', 'killAt', 'trackerBackAfter', 'rejoinAt'];
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i];
  const key = arg.replace(/^--/, '').replace(/-(.)/g, (_, c) => c.toUpperCase());
  if (!(key in opts)) { console.error(`viewers.mjs: unknown option ${arg}`); process.exit(64); }
  if (typeof opts[key] === 'boolean') { opts[key] = true; continue; }
  const value = process.argv[++i];
  opts[key] = typeof opts[key] === 'number' || nullableNumbers.includes(key) ? Number(value) : value;
}
if (!opts.url) { console.error('viewers.mjs: --url is required'); process.exit(64); }

// CPU seconds used so far by this process's descendants (the browsers):
// what a viewer costs, on a machine that may be shared.
function browserCpuSeconds() {
  const parent = new Map();
  const cpu = new Map();
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(pid, f[1]);
      cpu.set(pid, (Number(f[11]) + Number(f[12])) / 100); // utime + stime, USER_HZ ticks
    } catch { /* gone meanwhile */ }
  }
  const mine = String(process.pid);
  const isMine = (pid) => { for (let p = parent.get(pid), n = 0; p && n < 64; p = parent.get(p), n++) if (p === mine) return true; return false; };
  let total = 0;
  for (const [pid, seconds] of cpu) if (isMine(pid)) total += seconds;
  return total;
}

const SEGMENT = /\.(ts|m4s|aac|mp4)(\?|$)/;
const started = Date.now();
const now = () => (Date.now() - started) / 1000;
const sleepUntil = (t) => new Promise((r) => setTimeout(r, Math.max(0, (t - now()) * 1000)));
const log = (msg) => console.error(`[${now().toFixed(1).padStart(6)} s] ${msg}`);

// The flags that make WebRTC over loopback work (reference/p2p-browser.md):
// loopback candidates need --allow-loopback-in-peer-connection AND a granted
// camera/microphone permission; mDNS hiding off; autoplay without a gesture.
const launch = () => chromium.launch({
  executablePath: opts.chromium,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required', '--mute-audio',
    '--disable-features=WebRtcHideLocalIpsWithMdns', '--allow-loopback-in-peer-connection',
    // Viewers in background contexts must not be throttled.
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows'],
});
const browsers = await Promise.all(Array.from({ length: Math.max(1, opts.browsers) }, launch));
const [viewportWidth, viewportHeight] = opts.viewport.split('x').map(Number);
const origin = new URL(opts.url).origin;
const viewers = [];

async function openViewer(name) {
  // A small page costs less CPU to render; the first viewer is screenshot-sized.
  const viewport = viewers.length === 0 ? { width: 960, height: 600 } : { width: viewportWidth, height: viewportHeight };
  const ctx = await browsers[viewers.length % browsers.length].newContext({ viewport });
  await ctx.grantPermissions(['camera', 'microphone'], { origin });
  const page = await ctx.newPage();
  const v = { name, page, openedAt: now(), consoleErrors: [], pageErrors: [], httpErrors: [], segmentRequests: [], samples: [] };
  page.on('console', (m) => { if (m.type() === 'error') v.consoleErrors.push({ t: now(), text: m.text() }); });
  page.on('pageerror', (e) => v.pageErrors.push({ t: now(), text: String(e) }));
  page.on('request', (r) => { if (SEGMENT.test(r.url())) v.segmentRequests.push(now()); });
  page.on('response', (r) => { if (r.status() >= 400) v.httpErrors.push({ t: now(), status: r.status(), url: r.url() }); });
  viewers.push(v);
  await page.goto(opts.url, { waitUntil: 'commit' });
  log(`${name} opened`);
  return v;
}

async function sample(v) {
  const s = await v.page.evaluate(() => (window.hlsmeshStats ? JSON.parse(JSON.stringify(window.hlsmeshStats)) : null));
  const entry = { t: now(), ...s };
  v.samples.push(entry);
  return entry;
}
const sampleAll = () => Promise.all(viewers.map(sample));
const fmt = (b) => `${(b / 1e6).toFixed(2)} MB`;

let sampler = null;
const failures = [];
const expect = (ok, what) => { if (!ok) failures.push(what); log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); };

try {
  for (let i = 0; i < opts.viewers; i++) {
    await sleepUntil(i * opts.stagger);
    await openViewer(`v${i + 1}`);
  }
  const initial = [...viewers];

  // Sampling starts once every initial viewer plays.
  const waitUntil = now() + 40;
  while (now() < waitUntil) {
    const s = await sampleAll();
    if (s.every((x) => x && x.firstPlayingAt !== null && x.currentTime > 0)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const t0 = await sampleAll();
  const t0At = now();
  const loadAtStart = os.loadavg();
  const cpuAtStart = browserCpuSeconds();
  const t0Wall = Date.now();
  log(`all ${initial.length} playing; sampling starts`);
  sampler = setInterval(() => { sampleAll().catch(() => {}); }, 5000);

  await sleepUntil(t0At + 10);
  const peersCheck = await Promise.all(initial.map(sample));

  if (opts.lateAt !== null) {
    await sleepUntil(t0At + opts.lateAt);
    await openViewer('late');
  }
  let beforeKill = null;
  let afterKill = null;
  let killedAt = null;
  let rejoin = null;
  if (opts.killPid !== null && opts.killAt !== null) {
    await sleepUntil(t0At + opts.killAt);
    beforeKill = await sampleAll();
    process.kill(opts.killPid, 'SIGKILL');
    killedAt = now();
    log(`tracker (pid ${opts.killPid}) killed`);
    // The page must say so within a few seconds (the tracker client itself does not).
    await sleepUntil(killedAt + 3);
    afterKill = await Promise.all(initial.map(sample));
  }
  if (opts.rejoinAt !== null) {
    await sleepUntil(t0At + opts.rejoinAt);
    rejoin = await openViewer('rejoin');
  }
  await sleepUntil(t0At + opts.duration);
  clearInterval(sampler);
  const end = await sampleAll();
  const endAt = now();
  const cpuAtEnd = browserCpuSeconds();
  const endWall = Date.now();
  // Per-segment trace of each viewer (what loaded it, from where, when):
  // trace-report.mjs explains the HTTP fetches from it.
  for (const v of viewers) {
    v.trace = await v.page.evaluate(() => window.hlsmeshTrace ?? []).catch(() => []);
  }

  if (opts.screenshot) {
    await viewers[0].page.screenshot({ path: opts.screenshot });
    log(`screenshot: ${opts.screenshot}`);
  }

  // ---- figures ----------------------------------------------------------
  const n = initial.length;
  const windowEnd = killedAt ?? endAt;
  const windowMin = (windowEnd - t0At) / 60;
  const segReqs = initial.reduce((sum, v) => sum + v.segmentRequests.filter((t) => t >= t0At && t < windowEnd).length, 0);
  const perViewerMinute = segReqs / (n * windowMin);
  const httpOnlyPerViewerMinute = 60 / opts.targetDuration;
  const windowStats = beforeKill ?? end;
  const dP2P = initial.reduce((s, v, i) => s + windowStats[i].p2pBytes - t0[i].p2pBytes, 0);
  const dHttp = initial.reduce((s, v, i) => s + windowStats[i].httpBytes - t0[i].httpBytes, 0);
  const figures = {
    viewers: n,
    sampledSeconds: endAt - t0At,
    p2pShare: dP2P + dHttp ? dP2P / (dP2P + dHttp) : 0,
    p2pBytesPerViewerMinute: dP2P / (n * windowMin),
    originBytesPerViewerMinute: dHttp / (n * windowMin),
    originSegmentRequestsPerViewerMinute: perViewerMinute,
    httpOnlySegmentRequestsPerViewerMinute: httpOnlyPerViewerMinute,
    // Why segments came over HTTP (per viewer-minute, over the window):
    // early = p2p-media-loader's random fetch ahead of the high-demand window,
    // urgent = inside it (no peer delivered in time); P2P downloads that failed
    // or were aborted.
    segmentsPerViewerMinute: Object.fromEntries(['segHttp', 'segP2P', 'httpEarly', 'httpUrgent', 'p2pFailed', 'p2pAborted']
      .map((k) => [k, initial.reduce((s, v, i) => s + (windowStats[i][k] ?? 0) - (t0[i][k] ?? 0), 0) / (n * windowMin)])),
    // HTTP fetches of each segment across the swarm (ideal 1), over the
    // segments that became due during the window.
    httpFetchesPerSegment: segReqs / ((windowEnd - t0At) / opts.targetDuration),
    stalls: end.slice(0, n).reduce((s, x) => s + x.stalls, 0),
    meanPeers: end.slice(0, n).reduce((s, x) => s + x.peers, 0) / n,
    // The machine is shared: load average (1, 5, 15 min) at start and end.
    loadavg: { start: loadAtStart, end: os.loadavg() },
    // Chromium's CPU per viewer over the whole sampled time, in cores.
    browserCoresPerViewer: (cpuAtEnd - cpuAtStart) / ((endAt - t0At) * viewers.length),
    cpus: os.cpus().length,
    latency: end.slice(0, n).map((s) => s.latency),
    meanLatency: end.slice(0, n).reduce((s, x) => s + (x.latency ?? 0), 0) / n,
    perViewer: viewers.map((v, i) => ({
      name: v.name, p2pShare: end[i].p2pShare, p2pBytes: end[i].p2pBytes, httpBytes: end[i].httpBytes,
      uploadedBytes: end[i].uploadedBytes, peers: end[i].peers, maxPeers: end[i].maxPeers,
      latency: end[i].latency, stalls: end[i].stalls, droppedFrames: end[i].droppedFrames, rtc: end[i].rtc,
      hlsErrors: end[i].hlsErrors, lastError: end[i].lastError, segErrors: end[i].segErrors,
      trackerErrors: end[i].trackerErrors, trackerState: end[i].trackerState, trackerSockets: end[i].trackerSockets,
      highDemandTimeWindow: end[i].highDemandTimeWindow,
      httpEarly: end[i].httpEarly, httpUrgent: end[i].httpUrgent, p2pFailed: end[i].p2pFailed, p2pAborted: end[i].p2pAborted,
    })),
  };
  for (const v of figures.perViewer) {
    log(`${v.name.padEnd(4)} P2P ${(v.p2pShare * 100).toFixed(0).padStart(3)} %  peers ${fmt(v.p2pBytes)}  HTTP ${fmt(v.httpBytes)}  up ${fmt(v.uploadedBytes)}  `
      + `peers ${v.peers}/${v.maxPeers}  latency ${v.latency?.toFixed(1)} s  stalls ${v.stalls}  rtc ${v.rtc.connected}/${v.rtc.created}`);
  }
  log(`P2P share ${(figures.p2pShare * 100).toFixed(1)} %, origin ${fmt(figures.originBytesPerViewerMinute)}/viewer-min, `
    + `${perViewerMinute.toFixed(1)} segment requests/viewer-min (HTTP only: ${httpOnlyPerViewerMinute}), mean latency ${figures.meanLatency.toFixed(1)} s`);
  log(`segments/viewer-min: ${Object.entries(figures.segmentsPerViewerMinute).map(([k, x]) => `${k} ${x.toFixed(1)}`).join(', ')}`);

  // ---- expectations ------------------------------------------------------
  if (opts.check) {
    const wall = endAt - t0At;
    initial.forEach((v, i) => {
      const played = end[i].currentTime - t0[i].currentTime;
      expect(played >= 0.9 * wall, `${v.name}: played ${played.toFixed(1)} s of ${wall.toFixed(1)} s wall time (≥ 0.9×)`);
      expect(peersCheck[i].peers === n - 1, `${v.name}: connected to ${peersCheck[i].peers} of the other ${n - 1} viewers`);
    });
    viewers.forEach((v, i) => {
      expect(end[i].stalls === 0, `${v.name}: ${end[i].stalls} stalls after playback started`);
      expect(end[i].p2pBytes > 0, `${v.name}: ${end[i].p2pBytes} bytes received from peers (> 0)`);
      expect(end[i].fatalErrors === 0, `${v.name}: ${end[i].fatalErrors} fatal hls.js errors`);
      expect(v.pageErrors.length === 0, `${v.name}: ${v.pageErrors.length} uncaught page errors ${JSON.stringify(v.pageErrors.slice(0, 3))}`);
      // While the tracker is away, the browser logs its failed WebSocket connections.
      const errs = v.consoleErrors.filter((e) => killedAt === null || e.t < killedAt || v === rejoin);
      expect(errs.length === 0, `${v.name}: ${errs.length} console errors while the tracker was up ${JSON.stringify(errs.slice(0, 3))}`);
      expect(v.httpErrors.length === 0, `${v.name}: ${v.httpErrors.length} HTTP errors ${JSON.stringify(v.httpErrors.slice(0, 3))}`);
    });
    const up = end.reduce((s, x) => s + x.uploadedBytes, 0);
    const down = end.reduce((s, x) => s + x.p2pBytes, 0);
    // Sampled within milliseconds of each other: at most a few chunks in flight.
    expect(Math.abs(up - down) <= Math.max(256 * 1024, 0.01 * down),
      `bytes uploaded (${up}) = bytes received over P2P (${down}), all viewers`);
    // Measured: about 9–11 a viewer-minute (a third of HTTP-only) and 65 % P2P.
    expect(perViewerMinute <= 0.5 * httpOnlyPerViewerMinute,
      `origin segment requests ${perViewerMinute.toFixed(1)}/viewer-minute ≤ 0.5 × HTTP-only ${httpOnlyPerViewerMinute}`);
    expect(figures.p2pShare >= 0.3, `P2P share ${(figures.p2pShare * 100).toFixed(1)} % of the bytes of the first ${n} viewers (≥ 30 %)`);
    if (killedAt !== null) {
      const after = endAt - killedAt;
      initial.forEach((v, i) => {
        const played = end[i].currentTime - beforeKill[i].currentTime;
        expect(played >= 0.9 * after, `${v.name}: after the tracker died, played ${played.toFixed(1)} s of ${after.toFixed(1)} s`);
      });
      const httpAfter = initial.reduce((s, v) => s + v.segmentRequests.filter((t) => t >= killedAt).length, 0);
      expect(httpAfter > 0, `after the tracker died, segments still come over HTTP (${httpAfter} requests)`);
      initial.forEach((v, i) => {
        expect(afterKill[i].trackerState === 'unreachable',
          `${v.name}: 3 s after the tracker died the page says tracker ${afterKill[i].trackerState} (want unreachable)`);
      });
    }
    if (killedAt !== null && opts.trackerBackAfter !== null) {
      // Reconnected (tracker-reconnect.cmake: within 10–15 s, not minutes) and announced again.
      viewers.forEach((v, i) => {
        if (v === rejoin) return;
        expect(end[i].trackerState === 'ok', `${v.name}: tracker ${end[i].trackerState} after it came back (want ok) `
          + JSON.stringify(end[i].trackerSockets));
      });
      if (rejoin) {
        const i = viewers.indexOf(rejoin);
        expect(end[i].peers >= 1, `rejoin (opened after the tracker came back): connected to ${end[i].peers} peers (≥ 1)`);
      }
    }
  }
  if (opts.out) {
    fs.writeFileSync(opts.out, JSON.stringify({ figures, failures, window: { from: t0Wall, to: killedAt === null ? endWall : t0Wall + (killedAt - t0At) * 1000 },
      viewers: viewers.map((v) => ({
        name: v.name, openedAt: v.openedAt, consoleErrors: v.consoleErrors, pageErrors: v.pageErrors,
        httpErrors: v.httpErrors, samples: v.samples, trace: v.trace })) }, null, 1));
  }
} finally {
  if (sampler) clearInterval(sampler);
  await Promise.all(browsers.map((b) => b.close().catch(() => {})));
}
if (failures.length) {
  console.error(`viewers.mjs: ${failures.length} expectation(s) failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
