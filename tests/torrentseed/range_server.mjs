// A tiny Range-capable static file server (the CDN stand-in for web seeds):
// serves DIR on 127.0.0.1, answers Range with 206 + Content-Range, counts
// requests. Usable as a module or from the command line (prints the port).
import http from 'node:http'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

export function startRangeServer (dir) {
  const stats = { requests: 0, ranges: 0, full: 0 }
  const server = http.createServer((req, res) => {
    stats.requests++
    console.error(`${req.method} ${req.url} ${req.headers.range || ''}`)
    res.setHeader('Access-Control-Allow-Origin', '*')
    const file = path.join(dir, path.normalize(decodeURIComponent(req.url.split('?')[0])).replace(/^(\.\.[/\\])+/, ''))
    let size
    try { size = fs.statSync(file).size } catch { res.writeHead(404); res.end(); return }
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '')
    if (range) {
      const start = Number(range[1])
      const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1
      if (start > end) { res.writeHead(416, { 'Content-Range': `bytes */${size}` }); res.end(); return }
      stats.ranges++
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1, 'Accept-Ranges': 'bytes' })
      if (req.method === 'HEAD') { res.end(); return }
      fs.createReadStream(file, { start, end }).pipe(res)
      return
    }
    stats.full++
    res.writeHead(200, { 'Content-Length': size, 'Accept-Ranges': 'bytes' })
    if (req.method === 'HEAD') { res.end(); return }
    fs.createReadStream(file).pipe(res)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, stats, port: server.address().port })))
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { port, stats } = await startRangeServer(process.argv[2])
  console.log(port)
  process.on('SIGTERM', () => { console.error(`range server: ${JSON.stringify(stats)}`); process.exit(0) })
  setTimeout(() => process.exit(0), Number(process.env.RANGE_SERVER_LIFETIME_MS || 240000))
}
