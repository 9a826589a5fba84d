// Streams COUNT distinct 2 MiB segments through torrentseed (--keep 60), each
// written to DIR just before its event and deleted once its event is out, and
// reports segments/s sustained and RSS (from seedstats) after 100 and after
// COUNT segments. Prints one JSON line.
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'

const [tsBin, dir, countText, hashThreads = '0'] = process.argv.slice(2)
const count = Number(countText)
const store = path.join(dir, 'store')
const seed = spawn(tsBin, ['--listen', '127.0.0.1:0', '--no-lsd', '--keep', '60', '--store', store, '--stats-interval', '0.2', '--log-level', 'warning', '--hash-threads', hashThreads],
  { stdio: ['pipe', 'pipe', 'inherit'] })
let latest = null
const waiting = new Map()
readline.createInterface({ input: seed.stdout }).on('line', (line) => {
  const event = JSON.parse(line)
  if (event.event === 'seedstats') latest = event
  if (event.event === 'segment') { waiting.get(event.msn)?.(event); waiting.delete(event.msn) }
})
const body = crypto.randomBytes(2 * 1024 * 1024)
const freshStats = async () => { const before = latest; while (latest === before) await new Promise((resolve) => setTimeout(resolve, 20)); return latest }
const result = { segments: count }
const started = process.hrtime.bigint()
let inFlight = []
for (let msn = 0; msn < count; msn++) {
  const file = path.join(dir, `seg${msn}.ts`)
  body.writeUInt32BE(msn, 0) // distinct content, distinct infohash
  fs.writeFileSync(file, body)
  inFlight.push(new Promise((resolve) => waiting.set(msn, resolve)).then(() => fs.unlinkSync(file)))
  seed.stdin.write(JSON.stringify({ event: 'segment', msn, path: file, url: `https://cdn.example.com/seg${msn}.ts` }) + '\n')
  if (inFlight.length >= 8) { await Promise.all(inFlight); inFlight = [] } // bounded pipelining
  if (msn + 1 === 100) {
    await Promise.all(inFlight); inFlight = []
    result.rss_kib_after_100 = (await freshStats()).rss_kib
  }
}
await Promise.all(inFlight)
const seconds = Number(process.hrtime.bigint() - started) / 1e9
const final = await freshStats()
result.rss_kib_after_all = final.rss_kib
result.torrents = final.torrents
result.segments_per_s = Number((count / seconds).toFixed(1))
result.make_ms_avg = Number(final.make_ms_avg.toFixed(3))
result.errors = final.errors
seed.stdin.end()
await new Promise((resolve) => seed.on('exit', resolve))
console.log(JSON.stringify(result))
