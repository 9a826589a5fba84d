// Node webtorrent 3 against torrentseed: downloads a segment from the seed
// over TCP (addPeer) and over uTP, then — with the seed stopped — from the
// web seed alone (a local Range server as the CDN). Bytes must match.
import WebTorrent from 'webtorrent'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import readline from 'node:readline'
import { startRangeServer } from './range_server.mjs'

const [tsBin, work] = process.argv.slice(2)
const fail = (msg) => { console.error('FAIL: ' + msg); process.exit(1) }
setTimeout(() => fail('timed out after 120 s'), 120000).unref()

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)) })
})

const www = path.join(work, 'www')
fs.mkdirSync(www, { recursive: true })
const original = fs.readFileSync(path.join(work, 'seg9.ts'))
fs.writeFileSync(path.join(www, 'seg9.ts'), original)
const cdn = await startRangeServer(www)
const url = `http://127.0.0.1:${cdn.port}/seg9.ts`

const seedPort = await freePort()
const seed = spawn(tsBin, ['--listen', `127.0.0.1:${seedPort}`, '--no-lsd', '--embed-torrent', '--stats-interval', '0.5'],
  { stdio: ['pipe', 'pipe', 'inherit'] })
const events = []
let resolveSegment
const segmentSeen = new Promise((resolve) => { resolveSegment = resolve })
readline.createInterface({ input: seed.stdout }).on('line', (line) => {
  const event = JSON.parse(line)
  events.push(event)
  if (event.event === 'segment') resolveSegment(event)
})
seed.stdin.write(JSON.stringify({ event: 'segment', msn: 9, path: path.join(work, 'seg9.ts'), url }) + '\n')
const segment = await segmentSeen
if (!/^[0-9a-f]{40}$/.test(segment.infohash)) fail('no infohash: ' + JSON.stringify(segment))

async function download (label, clientOptions, torrentId, addPeer, wantWire) {
  const client = new WebTorrent({ dht: false, lsd: false, tracker: false, natUpnp: false, natPmp: false, ...clientOptions })
  client.on('error', (err) => fail(`${label}: client error ${err.message}`))
  const dir = path.join(work, label)
  const started = Date.now()
  const torrent = client.add(torrentId, { path: dir })
  torrent.on('error', (err) => fail(`${label}: torrent error ${err.message}`))
  if (addPeer) torrent.on('infoHash', () => torrent.addPeer(`127.0.0.1:${seedPort}`))
  const wires = []
  torrent.on('wire', (wire) => wires.push(wire.type))
  await new Promise((resolve) => torrent.on('done', resolve))
  const got = fs.readFileSync(path.join(dir, torrent.files[0].path))
  if (!got.equals(original)) fail(`${label}: downloaded bytes differ`)
  if (torrent.infoHash !== segment.infohash) fail(`${label}: infohash ${torrent.infoHash}`)
  if (wantWire && !wires.includes(wantWire)) fail(`${label}: connections were ${JSON.stringify(wires)}, want ${wantWire}`)
  console.log(`ok: ${label}: ${got.length} bytes in ${Date.now() - started} ms over ${JSON.stringify(wires)}`)
  await new Promise((resolve) => client.destroy(resolve))
}

// From the seed only: web seeds off, so every byte comes over the wire protocol.
const before = cdn.stats.requests
await download('tcp', { utp: false, webSeeds: false }, segment.magnet, true, 'tcpOutgoing')
await download('utp', { utp: true, webSeeds: false }, segment.magnet, true, 'utpOutgoing')
if (cdn.stats.requests !== before) fail(`peer downloads touched the web seed (${cdn.stats.requests - before} requests)`)

// Stop the seed: it exits 0 and reports what it uploaded.
await new Promise((resolve) => setTimeout(resolve, 1200))
const exited = new Promise((resolve) => seed.on('exit', (code) => resolve(code)))
seed.kill('SIGTERM')
const code = await exited
if (code !== 0) fail(`torrentseed exited ${code} on SIGTERM`)
const stats = events.filter((e) => e.event === 'seedstats').pop()
if (!stats || stats.uploaded < 2 * original.length) fail('seedstats uploaded: ' + JSON.stringify(stats))
console.log(`ok: seed uploaded ${stats.uploaded} bytes, peers ${JSON.stringify(stats.peer_uploads)}`)

// The web seed alone: the embedded .torrent (url-list = the CDN URL), no peers.
const ranges = cdn.stats.ranges
await download('webseed', { utp: false }, Buffer.from(segment.torrent, 'base64'), false, 'webSeed')
if (cdn.stats.ranges - ranges < 1) fail('the web seed download made no Range request')
if (cdn.stats.full !== 0) fail('the web seed was asked for the whole file without Range')
console.log(`ok: web seed served ${cdn.stats.ranges - ranges} Range requests`)
cdn.server.close()
process.exit(0)
