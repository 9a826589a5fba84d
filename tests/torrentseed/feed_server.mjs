// A stand-in for sigd's live event feed in tests: every JSON line on stdin is
// sent to each WebSocket client on /events; a new client first gets the last
// 60 segment events (sigd's --feed-backlog). Prints its port (FEED_PORT, or
// one the kernel picks) and, on stderr, each client's Host header; stops when
// stdin ends, on SIGTERM, or after FEED_LIFETIME_MS.
import { WebSocketServer } from 'ws'
import readline from 'node:readline'

const backlog = []
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env.FEED_PORT || 0), path: '/events' })
wss.on('listening', () => console.log(wss.address().port))
wss.on('connection', (ws, request) => {
  console.error(`feed: client connected, host ${request.headers.host}`)
  for (const line of backlog) ws.send(line)
})
readline.createInterface({ input: process.stdin }).on('close', () => process.exit(0)).on('line', (line) => {
  if (line.includes('"event":"segment"')) {
    backlog.push(line)
    if (backlog.length > 60) backlog.shift()
  }
  for (const client of wss.clients) client.send(line)
})
process.on('SIGTERM', () => process.exit(0))
setTimeout(() => process.exit(0), Number(process.env.FEED_LIFETIME_MS || 240000))
