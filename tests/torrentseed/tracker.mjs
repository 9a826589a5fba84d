// A real HTTP BitTorrent tracker for tests (npm bittorrent-tracker's server,
// HTTP only), on a free 127.0.0.1 port printed on stdout. Stops by itself.
import { Server } from 'bittorrent-tracker'

const server = new Server({ udp: false, ws: false, http: true, stats: false, interval: 5000 })
server.on('error', (err) => { console.error('tracker:', err.message); process.exit(1) })
server.on('warning', (err) => console.error('tracker warning:', err.message))
server.listen(0, '127.0.0.1', () => console.log(server.http.address().port))
setTimeout(() => process.exit(0), Number(process.env.TRACKER_LIFETIME_MS || 240000)).unref()
process.on('SIGTERM', () => process.exit(0))
// Keep the event loop alive until the timeout or a signal.
setInterval(() => {}, 1 << 30)
