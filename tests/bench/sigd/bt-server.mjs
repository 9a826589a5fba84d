// bittorrent-tracker's server, WebSocket only, as the benchmark's reference
// (its CLI needs native WebRTC modules and breaks when installed without
// scripts). Writes "127.0.0.1:PORT" to argv[2] once listening.
import fs from 'node:fs'
import Server from 'bittorrent-tracker/server'

const server = new Server({ http: false, udp: false, ws: true, stats: false, trustProxy: false })
server.on('error', err => console.error('bittorrent-tracker error:', err.message))
server.on('warning', () => {})
server.listen(0, { http: '127.0.0.1' }, () => {
  fs.writeFileSync(process.argv[2], `127.0.0.1:${server.http.address().port}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
