// A stand-in for hlswatch in tests: polls an ffmpeg HLS playlist and emits a
// `segment` event for every newly listed segment (complete once listed), with
// a CDN `url` under BASE_URL; copies each segment to REF_DIR first (the
// reference bytes, since ffmpeg deletes old segments). Ends at #EXT-X-ENDLIST.
import fs from 'node:fs'
import path from 'node:path'

const [playlist, baseUrl, refDir] = process.argv.slice(2)
const dir = path.dirname(playlist)
const seen = new Set()
setTimeout(() => { console.error('hls_events: timed out'); process.exit(1) }, 120000).unref()

function scan () {
  let text
  try { text = fs.readFileSync(playlist, 'utf8') } catch { return false }
  let msn = Number((/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text) || [0, 0])[1])
  let duration = 0
  for (const line of text.split('\n')) {
    const inf = /^#EXTINF:([\d.]+)/.exec(line)
    if (inf) { duration = Number(inf[1]); continue }
    if (!line || line.startsWith('#')) continue
    if (!seen.has(line)) {
      seen.add(line)
      const file = path.join(dir, line)
      fs.copyFileSync(file, path.join(refDir, line))
      process.stdout.write(JSON.stringify({
        event: 'segment', stream: 'live', rendition: '0', msn, path: file, uri: line,
        url: `${baseUrl}/${line}`, bytes: fs.statSync(file).size, duration
      }) + '\n')
    }
    msn++
  }
  return text.includes('#EXT-X-ENDLIST')
}

const timer = setInterval(() => {
  if (scan()) {
    clearInterval(timer)
    process.stdout.write(JSON.stringify({ event: 'end', stream: 'live' }) + '\n')
  }
}, 100)
