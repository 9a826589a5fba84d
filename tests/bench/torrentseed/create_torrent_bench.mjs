// create-torrent (npm, what WebTorrent's client.seed and `webtorrent create`
// use) in-process: mean ms per segment file, 256 KiB pieces, web seed and
// tracker set as torrentseed sets them. Prints the mean wall ms and the mean
// CPU ms (user + sys of this process) per segment.
import createTorrent from 'create-torrent'
import { promisify } from 'node:util'

const files = process.argv.slice(2)
const create = promisify(createTorrent)
const options = (f) => ({ pieceLength: 262144, urlList: [`https://cdn.example.com/${f}`], announceList: [['http://127.0.0.1:8000/announce']], createdBy: 'bench' })
await create(files[0], options(files[0])) // warm-up
const started = process.hrtime.bigint()
const cpuStarted = process.cpuUsage()
for (const file of files) await create(file, options(file))
const ms = Number(process.hrtime.bigint() - started) / 1e6
const cpu = process.cpuUsage(cpuStarted)
console.log((ms / files.length).toFixed(3), ((cpu.user + cpu.system) / 1000 / files.length).toFixed(3))
