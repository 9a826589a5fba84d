// What the Chromium scenarios (abr.mjs, delivery.mjs) share: their command
// line, a log with the seconds since start, expectations that collect
// failures, the browser, sigd's /stats.json, and the end that reports.
import { chromium } from 'playwright-core';

const started = Date.now();
export const log = (msg) => console.error(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}`);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const failures = [];
export const expect = (ok, what) => { if (!ok) failures.push(what); log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); };

// `defaults` with the command line's `--some-name VALUE` pairs as someName.
export function options(defaults) {
  const opts = { ...defaults };
  for (let i = 2; i < process.argv.length; i += 2) {
    opts[process.argv[i].replace(/^--/, '').replace(/-(.)/g, (_, c) => c.toUpperCase())] = process.argv[i + 1];
  }
  return opts;
}

// Debian's Chromium, headless, with what WebRTC between tabs on 127.0.0.1 needs.
export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--mute-audio',
      '--autoplay-policy=no-user-gesture-required', '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--allow-loopback-in-peer-connection', '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'],
  });
}

// sigd's /stats.json (the delivery figures of the viewers' reports).
export async function sigdStats(sigd) {
  return (await fetch(`${sigd}/stats.json`)).json();
}

// Runs `body`; a throw is one more failure. Closes the browser, then exits 1
// listing the failures, or logs that all expectations hold.
export async function runScenario(name, browser, body) {
  try {
    await body();
  } catch (err) {
    failures.push(String(err?.stack ?? err));
    log(String(err?.stack ?? err));
  } finally {
    await browser.close();
  }
  if (failures.length) {
    console.error(`${name}: ${failures.length} failed:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  log(`${name}: all expectations hold`);
}
