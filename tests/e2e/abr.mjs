// ABR with P2P per rendition (run's "abr" scenario), in real Chromium on the
// whole pipeline publishing a 3-rendition ladder:
//   * viewers A and B get HTTP throttled below the top rendition's BANDWIDTH
//     (CDP Network.emulateNetworkConditions: the real link-speed case, so
//     hls.js' own ABR picks the level, not a page setting); viewer C is not
//     throttled.
//   * A and B must play a lower rendition than the top, the same one, and A
//     must have loaded bytes from peers on that rendition (byRendition,
//     attributed by the rendition playlist that lists the segment);
//   * sigd's /stats.json, fed by the viewers' reports, shows that rendition
//     with P2P bytes, and more than one rendition for the stream.
//
//   node abr.mjs --page URL --sigd URL --out DIR [--seconds 70]
// For diagnosis: ABR_THROTTLE=BITS_PER_S (0: none) replaces A's and B's
// throttle, ABR_SECONDS the 70 s.
import fs from 'node:fs';
import path from 'node:path';
import { expect, launchChromium, log, options, runScenario, sigdStats, sleep } from './scenario.mjs';

const opts = options({ page: null, sigd: null, out: null, seconds: process.env.ABR_SECONDS ?? 70 });

// The master's BANDWIDTH values, highest first.
async function ladder() {
  const text = await (await fetch(new URL('live/stream.m3u8', opts.page))).text();
  return [...text.matchAll(/#EXT-X-STREAM-INF:.*?\bBANDWIDTH=(\d+)/g)].map((m) => Number(m[1])).sort((a, b) => b - a);
}

const browser = await launchChromium();

async function open(name, throttleBps) {
  const ctx = await browser.newContext({ viewport: { width: 480, height: 300 } });
  // Granted media permissions make Chromium offer host (127.0.0.1) ICE
  // candidates, the only ones in the test's network namespace.
  await ctx.grantPermissions(['camera', 'microphone'], { origin: new URL(opts.page).origin });
  const p = await ctx.newPage();
  p.on('pageerror', (e) => log(`${name}: page error: ${e}`));
  if (throttleBps) {
    const cdp = await ctx.newCDPSession(p);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions',
      { offline: false, latency: 20, downloadThroughput: throttleBps / 8, uploadThroughput: -1 });
  }
  const tracker = `ws://${new URL(opts.sigd).host}/announce`;
  await p.goto(`${opts.page}?stun=0&tracker=${tracker}`, { waitUntil: 'commit' });
  return p;
}

const viewerState = (p) => p.evaluate(() => {
  window.hlsmeshReport.send();
  const s = window.hlsmeshStats;
  return { rendition: s.rendition, label: s.renditionLabel, levels: s.levels, p2p: s.p2pBytes, http: s.httpBytes,
    byRendition: s.byRendition, peers: s.peers, maxPeers: s.maxPeers, stalls: s.stalls, tracker: s.trackerState,
    sockets: s.trackerSockets,
    overlay: document.getElementById('o-rendition').textContent };
});

await runScenario('abr', browser, async () => {
  const bw = await ladder();
  expect(bw.length === 3, `the master lists 3 renditions: BANDWIDTH ${bw.join(', ')}`);
  // Between the top two: hls.js keeps a level while 0.95 × its estimate covers
  // the BANDWIDTH and goes up only when 0.7 × the estimate does.
  const throttle = process.env.ABR_THROTTLE !== undefined ? Number(process.env.ABR_THROTTLE) : Math.round((bw[0] + bw[1]) / 2);
  log(`A and B: HTTP throttled to ${throttle} bit/s (top rendition ${bw[0]})`);
  const a = await open('A', throttle);
  await sleep(2000);
  const b = await open('B', throttle);
  await sleep(2000);
  const c = await open('C', 0);
  await sleep(opts.seconds * 1000);

  const [sa, sb, sc] = [await viewerState(a), await viewerState(b), await viewerState(c)];
  for (const [n, s] of [['A', sa], ['B', sb], ['C', sc]]) log(`${n}: ${JSON.stringify(s)}`);
  const top = Math.max(sa.levels, sb.levels, sc.levels) - 1;  // hls.js sorts levels by bitrate, lowest first
  expect(sa.levels === 3 && sa.rendition && sa.rendition.level < top,
    `throttled A plays a lower rendition than the top: ${sa.label}`);
  expect(sb.rendition && sb.rendition.name === sa.rendition?.name, `throttled B plays the same rendition: ${sb.label}`);
  expect(sa.overlay === sa.label && /\d+p · \d+ kbit\/s · \d of 3/.test(sa.overlay), `A's overlay shows it: "${sa.overlay}"`);
  const aP2P = sa.byRendition[sa.rendition?.name]?.p2p ?? 0;
  expect(aP2P > 0, `A loaded ${aP2P} bytes from peers on ${sa.rendition?.name}`);
  expect(sc.rendition && sc.rendition.level > (sa.rendition?.level ?? 0),
    `unthrottled C plays a higher rendition: ${sc.label}`);

  await sleep(1500);
  const st = await sigdStats(opts.sigd);
  fs.writeFileSync(path.join(opts.out, 'abr-stats.json'), JSON.stringify(st, null, 2));
  const rows = st.delivery.streams;
  log(`sigd rows: ${rows.map((r) => `${r.stream} ${r.rendition} p2p=${r.total.p2p} cdn=${r.total.cdn}`).join('; ')}`);
  const names = new Set(rows.filter((r) => r.total.p2p + r.total.cdn + r.total.origin + r.total.other > 0).map((r) => r.rendition));
  expect(names.size >= 2, `sigd's /stats.json shows several renditions: ${[...names].join(', ')}`);
  const row = rows.find((r) => r.rendition === sa.rendition?.name);
  expect(row && row.total.p2p > 0, `sigd shows P2P bytes on ${sa.rendition?.name}: ${JSON.stringify(row?.total)}`);
  await a.screenshot({ path: path.join(opts.out, 'abr-viewer-a.png') });
});
