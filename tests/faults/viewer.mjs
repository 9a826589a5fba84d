// A viewer for the soak: follows a live HLS stream over HTTP the way a player
// does (reload the media playlist every target duration, fetch each new
// segment once) for SECONDS, and fails if it ever waited more than 3 target
// durations for a new segment (a stall) or a listed segment failed.
//   node viewer.mjs MASTER_URL SECONDS
const [master, seconds] = [process.argv[2], Number(process.argv[3])]
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const text = async url => { const r = await fetch(url, { cache: 'no-store' }); if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`); return r.text() }
const end = Date.now() + seconds * 1000
let media = null, seen = new Set(), lastNew = Date.now(), segments = 0, bytes = 0, errors = 0, stalls = 0, td = 2
while (Date.now() < end) {
  try {
    if (!media) { const m = await text(master); media = new URL(m.split('\n').find(l => l && !l.startsWith('#')), master).href }
    const pl = await text(media)
    td = Number((/#EXT-X-TARGETDURATION:(\d+)/.exec(pl) || [])[1] || 2)
    for (const l of pl.split('\n')) {
      if (!l || l.startsWith('#')) continue
      const u = new URL(l, media).href
      if (seen.has(u)) continue
      seen.add(u); lastNew = Date.now()
      const r = await fetch(u); if (!r.ok) { errors++; continue }
      bytes += (await r.arrayBuffer()).byteLength; segments++
    }
  } catch { errors++ }
  if (Date.now() - lastNew > 3 * td * 1000) { stalls++; lastNew = Date.now() }
  await sleep(td * 1000)
}
console.log(`viewer: ${segments} segments, ${(bytes / 1e6).toFixed(1)} MB, ${errors} errors, ${stalls} stalls`)
process.exit(errors || stalls ? 1 : 0)
