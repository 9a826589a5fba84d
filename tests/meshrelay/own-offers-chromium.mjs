// own-offers-peer.mjs in headless Chromium: the page imports the installed
// p2p-media-loader-core bundle (its own copy of bittorrent-tracker's client
// and simple-peer, on Chromium's WebRTC) and runs the viewer that makes no
// offers. Prints the result as JSON; exits 0 when a segment arrived whole.
// Run it in a network namespace with only lo (loopback candidates need the
// flag and the media permission, reference/p2p-browser.md).
//   node own-offers-chromium.mjs ws://127.0.0.1:PORT/announce INFO_HASH SECONDS
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const [tracker, infoHash, seconds] = process.argv.slice(2);
if (!tracker || !infoHash) {
  console.error('usage: node own-offers-chromium.mjs ws://HOST:PORT/announce INFO_HASH [SECONDS]');
  process.exit(64);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const bundle = fs.readFileSync(path.join(here, '../../node_modules/p2p-media-loader-core/dist/p2p-media-loader-core.es.js'), 'utf8');
const files = {
  '/': ['text/html', '<!doctype html><title>own offers</title>'],
  '/core.mjs': ['text/javascript', `${bundle}\nexport { Client as __Client, PeerProtocol as __PeerProtocol };\n`],
  '/peer.mjs': ['text/javascript', fs.readFileSync(path.join(here, 'own-offers-peer.mjs'), 'utf8')],
};
const server = http.createServer((req, res) => {
  const file = files[req.url];
  if (req.url === '/favicon.ico') return res.writeHead(204).end();
  res.writeHead(file ? 200 : 404, { 'content-type': file ? file[0] : 'text/plain' });
  res.end(file ? file[1] : 'not found');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-features=WebRtcHideLocalIpsWithMdns',
    '--allow-loopback-in-peer-connection'],
});
let result = { ok: false };
try {
  const context = await browser.newContext();
  await context.grantPermissions(['camera', 'microphone'], { origin });
  const page = await context.newPage();
  page.on('console', (m) => console.error(`page: ${m.text()}`));
  await page.goto(`${origin}/`);
  result = await page.evaluate(async (args) => {
    const core = await import('/core.mjs');
    const { fetchThroughOffer } = await import('/peer.mjs');
    return fetchThroughOffer({ Client: core.__Client, PeerProtocol: core.__PeerProtocol, ...args });
  }, { tracker, infoHash, seconds: Number(seconds || 30) });
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
