// The viewer's promise, checked from outside for a whole run:
//   every URI in every playlist version is fetchable from the moment that
//   version is published until its RFC 8216 availability time ends (§6.2.2:
//   the segment's duration plus the longest playlist duration after it left
//   the playlist), with the same bytes; MEDIA-SEQUENCE never goes back; no reader sees a partial
//   playlist; no source segment is lost without an error that names it.
//
//   node checker.mjs --playlist URL [--playlist URL…] [--source DIR/stream.m3u8]
//                    --out VIOLATIONS.jsonl --summary SUMMARY.json
//
// Polls each playlist (master: its media playlists too) every 100 ms, fetches
// every new URI at once and every removed URI again just before its
// availability ends. SIGTERM / SIGINT: writes the summary and exits 0.
// Violations are JSON lines {time, kind, url, cause}.
import fs from 'node:fs'
import { createHash } from 'node:crypto'
import { parseArgs } from 'node:util'

const { values: opt } = parseArgs({
  options: {
    playlist: { type: 'string', multiple: true }, source: { type: 'string' },
    out: { type: 'string' }, summary: { type: 'string' }, interval: { type: 'string', default: '100' }
  }
})
if (!opt.playlist?.length || !opt.out || !opt.summary) {
  console.error('usage: checker.mjs --playlist URL [--source FILE] --out FILE.jsonl --summary FILE.json'); process.exit(64)
}
const interval = Number(opt.interval)
const out = fs.openSync(opt.out, 'a')
const counts = { polls: 0, versions: 0, fetched: 0, rechecked: 0, final: 0, violations: 0, pollErrors: 0 }
const byKind = {}
function violation (kind, url, cause) {
  counts.violations++; byKind[kind] = (byKind[kind] || 0) + 1
  fs.writeSync(out, JSON.stringify({ time: new Date().toISOString(), kind, url, cause }) + '\n')
}

// A playlist is complete when it starts with #EXTM3U, ends with a newline and
// every EXTINF has its URI: anything else is what a reader of a half-written
// file would get.
export function parse (text, base) {
  const lines = text.split('\n')
  const complete = text.startsWith('#EXTM3U') && text.endsWith('\n')
  const pl = { complete, msn: 0, td: 0, segments: [], variants: [], endlist: false }
  let dur = null, inf = false
  for (const raw of lines) {
    const l = raw.trim()
    if (!l) continue
    if (l.startsWith('#EXT-X-MEDIA-SEQUENCE:')) pl.msn = Number(l.slice(22))
    else if (l.startsWith('#EXT-X-TARGETDURATION:')) pl.td = Number(l.slice(22))
    else if (l.startsWith('#EXTINF:')) { dur = parseFloat(l.slice(8)); inf = true }
    else if (l.startsWith('#EXT-X-STREAM-INF')) inf = 'variant'
    else if (l === '#EXT-X-ENDLIST') pl.endlist = true
    else if (!l.startsWith('#')) {
      const url = new URL(l, base).href
      if (inf === 'variant') pl.variants.push(url)
      else { pl.segments.push({ url, duration: dur ?? 0, msn: pl.msn + pl.segments.length }); dur = null }
      inf = false
    }
  }
  if (inf === true) pl.complete = false  // an EXTINF without its URI
  return pl
}

async function get (url, method = 'GET') {
  const ctl = new AbortController()
  const timer = setTimeout(() => ctl.abort(), 5000)
  try {
    const r = await fetch(url, { method, signal: ctl.signal, cache: 'no-store' })
    const body = method === 'GET' ? Buffer.from(await r.arrayBuffer()) : Buffer.alloc(0)
    return { status: r.status, body, length: Number(r.headers.get('content-length') || body.length) }
  } catch (e) {
    return { status: 0, error: e.name === 'AbortError' ? 'timeout after 5 s' : (e.cause?.code || e.message) }
  } finally { clearTimeout(timer) }
}

const uris = new Map()       // url → { firstSeen, lastSeen, duration, playlistDuration, removedAt, ok }
const lastMsn = new Map()    // media playlist url → last MEDIA-SEQUENCE
const lastText = new Map()
const published = new Set() // segment file names seen in any published playlist
const pending = []           // { at, url } re-checks before availability ends

// The bytes first fetched under a URI must be the bytes served until its
// availability ends (segments are immutable: a CDN keeps the first copy).
async function fetchUri (url, why) {
  const r = await get(url)
  counts.fetched++
  const info = uris.get(url)
  if (r.status === 200 && r.body.length && info) {
    const hash = createHash('sha1').update(r.body).digest('hex')
    if (!info.hash) info.hash = hash
    else if (info.hash !== hash) violation('content-changed', url, `${why}: other bytes than when first listed (${r.body.length} bytes now)`)
  }
  if (r.error === 'ECONNREFUSED') violation('server-down', url, `${why}: ECONNREFUSED`)
  else if (r.status !== 200 || !r.body.length) violation('unfetchable', url, `${why}: ${r.status ? 'HTTP ' + r.status : r.error}${r.status === 200 ? ' (empty body)' : ''}`)
}

async function pollMedia (url) {
  const r = await get(url)
  if (r.status !== 200) {
    counts.pollErrors++
    // Nothing listening: the server itself is down (sigd serving the local store
    // while it restarts), a different failure from a server that answers wrongly.
    violation(r.error === 'ECONNREFUSED' ? 'server-down' : 'playlist-unfetchable', url, r.status ? 'HTTP ' + r.status : r.error)
    return
  }
  const text = r.body.toString()
  if (text === lastText.get(url)) return
  lastText.set(url, text)
  counts.versions++
  const pl = parse(text, url)
  if (!pl.complete) { violation('partial-playlist', url, `${text.length} bytes, ends ${JSON.stringify(text.slice(-40))}`); return }
  if (pl.variants.length) { for (const v of pl.variants) await pollMedia(v); return }
  const prev = lastMsn.get(url)
  if (prev !== undefined && pl.msn < prev) violation('media-sequence-back', url, `MEDIA-SEQUENCE ${prev} → ${pl.msn}`)
  lastMsn.set(url, pl.msn)
  const now = Date.now()
  const total = pl.segments.reduce((a, s) => a + s.duration, 0)
  const listed = new Set()
  const fresh = []
  for (const s of pl.segments) {
    listed.add(s.url)
    // Keys may carry r2push's {hash} ("stream7-<16 hex>.ts"): the source's name is the rest.
    published.add(s.url.split('/').pop().replace(/\?.*$/, '').replace(/-[0-9a-f]{16}(\.\w+)$/, '$1'))
    const u = uris.get(s.url)
    if (!u) { uris.set(s.url, { firstSeen: now, lastSeen: now, duration: s.duration, longest: total, playlist: url }); fresh.push(s.url) }
    else { u.lastSeen = now; u.longest = Math.max(u.longest, total); u.removedAt = undefined }
  }
  for (const [u, info] of uris) {
    if (info.playlist !== url || listed.has(u) || info.removedAt) continue
    info.removedAt = now
    // Re-fetched 0.5 s before its availability ends: it must still be there.
    const until = info.lastSeen + (info.duration + info.longest) * 1000
    pending.push({ at: until - 500, url: u })
  }
  await Promise.all(fresh.map(u => fetchUri(u, 'listed')))
}

let sourceSeen = new Set()
function pollSource () {
  if (!opt.source) return
  let text
  try { text = fs.readFileSync(opt.source, 'utf8') } catch { return }
  for (const l of text.split('\n')) if (l && !l.startsWith('#')) sourceSeen.add(l.trim().split('/').pop())
}

let stop = false
async function loop () {
  while (!stop) {
    const started = Date.now()
    counts.polls++
    pollSource()
    for (const p of opt.playlist) await pollMedia(p)
    const due = []
    for (let i = pending.length - 1; i >= 0; i--) if (pending[i].at <= Date.now()) due.push(...pending.splice(i, 1))
    await Promise.all(due.map(d => { counts.rechecked++; return fetchUri(d.url, 'before its availability time ended') }))
    await new Promise(resolve => setTimeout(resolve, Math.max(0, interval - (Date.now() - started))))
  }
}

let finishing = false
async function finish () {
  if (finishing) return
  finishing = true
  stop = true
  // A last fetch of every URI still within its availability time: a short run
  // ends before most re-checks are due, and new bytes under a reused key show
  // as content-changed here.
  const stillDue = [...uris].filter(([, i]) => !i.removedAt).map(([u]) => u).concat(pending.map(p => p.url))
  counts.final = stillDue.length
  await Promise.all(stillDue.map(u => fetchUri(u, 'at the end of the run, within its availability time')))
  // Source segments never published: the caller checks each is named in an error.
  const newestPublished = Math.max(-1, ...[...published].map(n => Number((/(\d+)\.\w+$/.exec(n) || [])[1] ?? -1)))
  const missing = [...sourceSeen].filter(n => !published.has(n) &&
    Number((/(\d+)\.\w+$/.exec(n) || [])[1] ?? Infinity) < newestPublished)  // the newest may still be on its way
  fs.writeFileSync(opt.summary, JSON.stringify({ ...counts, byKind, uris: uris.size, sourceSegments: sourceSeen.size, unpublished: missing }, null, 1))
  fs.closeSync(out)
  process.exit(0)
}
process.on('SIGTERM', finish)
process.on('SIGINT', finish)
const parent = process.ppid
setInterval(() => { try { process.kill(parent, 0) } catch { finish() } }, 1000).unref()
loop()
