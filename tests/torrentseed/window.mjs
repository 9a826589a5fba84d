// 2,000 segments through torrentseed's window: the first 1,000 dropped by
// --keep 60, the next 1,000 by `expire` events (50 behind). The source deletes
// every segment as soon as its event is out (ffmpeg delete_segments); that
// must cause no error. Torrent count never exceeds the window, RSS stays flat,
// the store holds exactly the live segments.
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'

const [tsBin, work] = process.argv.slice(2)
const fail = (msg) => { console.error('FAIL: ' + msg); process.exit(1) }
setTimeout(() => fail('timed out after 150 s'), 150000).unref()

const src = path.join(work, 'src')
const store = path.join(work, 'store')
fs.mkdirSync(src, { recursive: true })
const seed = spawn(tsBin, ['--listen', '127.0.0.1:0', '--no-lsd', '--keep', '60', '--store', store, '--stats-interval', '0.2'],
  { stdio: ['pipe', 'pipe', 'pipe'] })
let stderr = ''
seed.stderr.on('data', (d) => { stderr += d })
const stats = []
const waiting = new Map() // msn -> resolve
readline.createInterface({ input: seed.stdout }).on('line', (line) => {
  const event = JSON.parse(line)
  if (event.event === 'seedstats') stats.push(event)
  if (event.event === 'segment') {
    if (!/^[0-9a-f]{40}$/.test(event.infohash || '')) fail('segment without infohash: ' + line + '\n' + stderr)
    waiting.get(event.msn)?.(event)
    waiting.delete(event.msn)
  }
})

let last
const rssAt = {}
let maxTorrents = 0
for (let msn = 0; msn < 2000; msn++) {
  const file = path.join(src, `seg${msn}.ts`)
  const bytes = crypto.randomBytes(4096 + (msn % 7) * 1000)
  fs.writeFileSync(file, bytes)
  const out = new Promise((resolve) => waiting.set(msn, resolve))
  seed.stdin.write(JSON.stringify({ event: 'segment', stream: 'live', rendition: '0', msn, path: file, url: `https://cdn.example.com/live/seg${msn}.ts` }) + '\n')
  last = { event: await out, bytes }
  fs.unlinkSync(file) // the source deletes the segment right away
  if (msn >= 1000) {
    seed.stdin.write(JSON.stringify({ event: 'expire', stream: 'live', rendition: '0', msn: msn - 50, path: path.join(src, `seg${msn - 50}.ts`) }) + '\n')
  }
  for (const s of stats) maxTorrents = Math.max(maxTorrents, s.torrents)
  if (msn === 500 || msn === 999 || msn === 1999) {
    await new Promise((resolve) => setTimeout(resolve, 500)) // a fresh seedstats
    rssAt[msn] = stats[stats.length - 1].rss_kib
    console.log(`after ${msn + 1} segments: ${stats[stats.length - 1].torrents} torrents, RSS ${rssAt[msn]} KiB`)
    if (msn === 999 && stats[stats.length - 1].torrents !== 60) fail(`--keep 60: ${stats[stats.length - 1].torrents} torrents`)
  }
}

// The store: exactly the live segments, and the newest one's bytes intact
// although its source is gone.
const stored = fs.readdirSync(store).filter((d) => !d.startsWith('.'))
if (stored.length !== 50) fail(`store holds ${stored.length} segments, want 50`)
const newest = fs.readFileSync(path.join(store, last.event.infohash, 'seg1999.ts'))
if (!newest.equals(last.bytes)) fail('stored copy of seg1999.ts differs')

const exited = new Promise((resolve) => seed.on('exit', resolve))
seed.stdin.end()
const code = await exited
if (code !== 0) fail(`torrentseed exited ${code}: ${stderr}`)
const final = stats[stats.length - 1]
console.log(`final: ${JSON.stringify({ torrents: final.torrents, added: final.added, removed: final.removed, errors: final.errors, rss_kib: final.rss_kib, make_ms_avg: final.make_ms_avg })}`)
if (maxTorrents > 60) fail(`torrent count reached ${maxTorrents} (> 60)`)
if (final.torrents !== 50) fail(`expire events should leave 50 torrents, got ${final.torrents}`)
if (final.added !== 2000) fail(`added ${final.added}`)
if (final.removed < 1950) fail(`removed ${final.removed}`)
for (const [kind, n] of Object.entries(final.errors)) if (n !== 0) fail(`errors.${kind} = ${n}: ${stderr}`)
if (/: (error|warning): /.test(stderr)) fail('errors on stderr: ' + stderr)
if (rssAt[1999] > rssAt[500] * 1.1 + 1024) fail(`RSS grew: ${rssAt[500]} KiB after 501, ${rssAt[1999]} KiB after 2000`)
if (fs.readdirSync(store).filter((d) => !d.startsWith('.')).length !== 0) fail('store not emptied at exit')
console.log('ok: window')
