// Measured delivery end to end (run's "delivery" scenario): Chromium viewers
// report to sigd, whose aggregates must match the viewers' own
// window.hlsmeshStats, and `tunnelcheck swarm` must judge each run right:
//   1. P2P: 3 viewers on a page at localhost:PORT whose playlist and segments
//      come from 127.0.0.1:PORT, another host: the "CDN". sigd's P2P share and
//      byte totals within 3 % of the viewers' sum; tunnelcheck swarm OK; the
//      /dashboard screenshot (laptop and phone size) shows charts with data.
//   2. At the same time afterwards: an HTTP-only swarm (p2p=0) → CRITICAL
//      p2p-share-low; and a swarm where one viewer takes the CDN and one the
//      page's own origin → CRITICAL origin-served.
//
//   node delivery.mjs --page URL --sigd URL --tunnelcheck BIN --out DIR
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, launchChromium, log, options, runScenario, sigdStats, sleep } from './scenario.mjs';

const opts = options({ page: null, sigd: null, tunnelcheck: null, out: null, p2pSeconds: 45, otherSeconds: 30 });

const page = new URL(opts.page);
const tracker = `ws://${new URL(opts.sigd).host}/announce`;
// The pipeline's playlists name their segments at 127.0.0.1:PORT. A page
// loaded from localhost:PORT with src= there has them on another host than
// its own: the CDN. A page from 127.0.0.1:PORT with the default src has them
// on its own origin.
const cdnPage = `http://localhost:${page.port}/`;
const cdnSrc = `http://127.0.0.1:${page.port}/live/stream.m3u8`;
const viewerUrl = (query, base = opts.page) => `${base}?stun=0&tracker=${tracker}&${query}`;
const cdnViewerUrl = (query) => viewerUrl(`${query}&src=${encodeURIComponent(cdnSrc)}`, cdnPage);

const browser = await launchChromium();

async function open(url, viewport = { width: 480, height: 300 }) {
  const ctx = await browser.newContext({ viewport });
  await ctx.grantPermissions(['camera', 'microphone'], { origin: new URL(url).origin });
  const p = await ctx.newPage();
  p.on('pageerror', (e) => log(`page error: ${e}`));
  await p.goto(url, { waitUntil: 'commit' });
  return p;
}

function swarm(stream, extra = []) {
  const args = ['swarm', `${opts.sigd}/stats.json`, '--stream', stream, '--min-viewers', '2', ...extra];
  try {
    return { rc: 0, out: execFileSync(opts.tunnelcheck, args, { encoding: 'utf8' }) };
  } catch (err) {
    return { rc: err.status, out: String(err.stdout) };
  }
}

// Sends a report from every viewer now and returns the page's own counters
// at that same moment (the report is built from them synchronously).
async function reportNow(pages) {
  const sums = { p2p: 0, http: 0 };
  for (const p of pages) {
    const s = await p.evaluate(() => {
      window.hlsmeshReport.send();
      return { p2p: window.hlsmeshStats.p2pBytes, http: window.hlsmeshStats.httpBytes };
    });
    sums.p2p += s.p2p;
    sums.http += s.http;
  }
  return sums;
}

function totals(st, stream) {
  const t = { p2p: 0, http: 0 };
  for (const row of st.delivery.streams.filter((r) => r.stream === stream)) {
    t.p2p += row.total.p2p;
    t.http += row.total.cdn + row.total.origin + row.total.other;
  }
  return t;
}

const within = (a, b, tolerance) => Math.abs(a - b) <= tolerance * Math.max(a, b, 1);

await runScenario('delivery', browser, async () => {
  // 1. The P2P run.
  const p2pPages = [];
  for (let i = 0; i < 3; i++) {
    p2pPages.push(await open(cdnViewerUrl('swarm=e2e-p2p')));
    await sleep(2500);
  }
  log('3 P2P viewers opened');
  await sleep(opts.p2pSeconds * 1000);
  const dash = await open(`${opts.sigd}/dashboard`, { width: 1280, height: 900 });
  await dash.waitForFunction(() => Number(document.body.dataset.points) >= 3, null, { timeout: 20000 })
    .catch(() => {});
  const points = Number(await dash.evaluate(() => document.body.dataset.points));
  const shareTile = await dash.evaluate(() => document.getElementById('t-share').textContent);
  const paths = await dash.evaluate(() => [...document.querySelectorAll('.chart canvas')].length);
  expect(points >= 3 && /\d+ %/.test(shareTile) && paths === 3,
    `the dashboard charts have data: ${points} points, P2P tile "${shareTile}", ${paths} charts`);
  await dash.screenshot({ path: path.join(opts.out, 'dashboard.png'), fullPage: true });
  await dash.setViewportSize({ width: 390, height: 844 });
  await sleep(500);
  await dash.screenshot({ path: path.join(opts.out, 'dashboard-phone.png'), fullPage: true });

  const pageSums = await reportNow(p2pPages);
  await sleep(1000);
  const sigdSums = totals(await sigdStats(opts.sigd), 'e2e-p2p');
  const share = (x) => x.p2p / Math.max(1, x.p2p + x.http);
  log(`viewers: ${JSON.stringify(pageSums)} (P2P ${(share(pageSums) * 100).toFixed(1)} %); sigd: ${JSON.stringify(sigdSums)}`);
  expect(pageSums.p2p + pageSums.http > 1e6, 'the viewers loaded more than 1 MB');
  const row = (await sigdStats(opts.sigd)).delivery.streams.find((x) => x.stream === 'e2e-p2p');
  expect(row && row.total.cdn > 0 && row.total.origin === 0, `the HTTP bytes are the CDN's (${JSON.stringify(row?.total)})`);
  expect(within(sigdSums.p2p, pageSums.p2p, 0.03) && within(sigdSums.http, pageSums.http, 0.03),
    'sigd\'s byte totals match the viewers\' window.hlsmeshStats within 3 %');
  expect(Math.abs(share(sigdSums) - share(pageSums)) <= 0.03, 'sigd\'s P2P share matches the viewers\' within 3 points');
  let r = swarm('e2e-p2p', ['--warn', '0.3', '--crit', '0.1']);
  expect(r.rc === 0, `tunnelcheck swarm OK during the P2P run (exit ${r.rc}): ${r.out.split('\n')[0]}`);
  for (const p of [...p2pPages, dash]) await p.context().close();

  // 2. HTTP only, and viewers on the origin while a CDN exists.
  const others = [
    await open(viewerUrl('p2p=0&swarm=e2e-http')),
    await open(cdnViewerUrl('p2p=0&swarm=e2e-http')),
    await open(cdnViewerUrl('p2p=0&swarm=e2e-origin')),
    await open(viewerUrl('p2p=0&swarm=e2e-origin')),
  ];
  log('HTTP-only and origin viewers opened');
  await sleep(opts.otherSeconds * 1000);
  await reportNow(others);
  await sleep(1000);
  r = swarm('e2e-http');
  expect(r.rc === 2 && /CRITICAL p2p-share-low/.test(r.out), `tunnelcheck swarm CRITICAL on the p2p=0 run (exit ${r.rc}): ${r.out.split('\n')[0]}`);
  r = swarm('e2e-origin');
  expect(r.rc === 2 && /CRITICAL origin-served/.test(r.out), `tunnelcheck swarm CRITICAL on viewers using the origin (exit ${r.rc}): ${r.out.split('\n').find((l) => l.includes('origin-served')) ?? r.out}`);
  fs.writeFileSync(path.join(opts.out, 'delivery-stats.json'), JSON.stringify(await sigdStats(opts.sigd), null, 2));
});
