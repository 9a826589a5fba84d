// An S3 endpoint that fails on command, between r2push and s3rver, for the
// fault campaign: the mode is read from CONTROL_FILE on every request.
//   pass   relay as is           500 / 503   every request gets that status
//   slow   relay after 10 s      down        the port refuses connections
//   node s3_fault_proxy.mjs UPSTREAM_PORT CONTROL_FILE  → "proxy listening on PORT"
import http from 'node:http'
import fs from 'node:fs'

const [upstreamPort, control] = process.argv.slice(2)
const mode = () => { try { return fs.readFileSync(control, 'utf8').trim() || 'pass' } catch { return 'pass' } }
const xml = code => `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected</Message></Error>`

function relay (req, res, body) {
  const headers = { ...req.headers }
  delete headers.expect
  const up = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers }, ur => {
    res.writeHead(ur.statusCode, ur.headers)
    ur.pipe(res)
  })
  up.on('error', () => res.destroy())
  up.end(body)
}

const sockets = new Set()
const server = http.createServer((req, res) => {
  const chunks = []
  req.on('data', c => chunks.push(c))
  req.on('end', () => {
    const m = mode()
    if (m === '500') res.writeHead(500, { 'content-type': 'application/xml' }).end(xml('InternalError'))
    else if (m === '503') res.writeHead(503, { 'content-type': 'application/xml' }).end(xml('SlowDown'))
    else if (m === 'slow') setTimeout(() => relay(req, res, Buffer.concat(chunks)), 10000)
    else relay(req, res, Buffer.concat(chunks))
  })
})
server.on('connection', s => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
let port = 0, listening = false
function listen () { server.listen(port, '127.0.0.1', () => { listening = true; port = server.address().port; if (!process.env.QUIET) console.log(`proxy listening on ${port}`); process.env.QUIET = '1' }) }
listen()
// "down": stop listening (connection refused) and drop open connections; back when the mode changes.
setInterval(() => {
  const down = mode() === 'down'
  if (down && listening) { listening = false; server.close(); for (const s of sockets) s.destroy() }
  else if (!down && !listening && !server.listening) listen()
}, 200).unref()
const parent = process.ppid
setInterval(() => { try { process.kill(parent, 0) } catch { process.exit(0) } }, 1000)
