// When a live media playlist first lists each segment, as anyone polling it
// over HTTP every 50 ms sees it: one JSON line per new segment,
// {"url": absolute URL, "msn": N, "listed_ms": epoch ms}; those listed at
// the first poll carry "initial": true (listed before, when is unknown). For
// tests/meshrelay/feed_source.sh; stops by itself after --lifetime seconds.
//   node listing-watch.mjs MEDIA_PLAYLIST_URL --lifetime 60
const url = process.argv[2];
const at = process.argv.indexOf('--lifetime');
const lifetime = Number(at > 0 ? process.argv[at + 1] : 60);
const seen = new Set();
let initial = true;
const deadline = Date.now() + lifetime * 1000;

while (Date.now() < deadline) {
  try {
    const text = await (await fetch(url, { cache: 'no-store' })).text();
    const now = Date.now();
    let msn = Number((/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text) || [])[1] || 0);
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const segment = new URL(line.trim(), url).href;
      if (!seen.has(segment)) {
        seen.add(segment);
        console.log(JSON.stringify({ url: segment, msn, listed_ms: now, ...(initial ? { initial } : {}) }));
      }
      msn += 1;
    }
    initial = false;
  } catch { /* not there yet */ }
  await new Promise((r) => setTimeout(r, 50));
}
