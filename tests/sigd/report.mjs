// POST /report: viewer delivery reports. Good ones land in /stats.json,
// /metrics and the feed's `delivery` events; bad ones (malformed JSON, wrong
// types, huge numbers, negative bytes, 1 MB bodies, a flood of 1,000 a second
// from one client) are refused with the reason and counted, while the
// tracker keeps answering.
import http from 'node:http'
import { startSigd, client, check, main, binaryId, stats, getOnce, until, sleep } from './lib.mjs'

function post (s, body, agent = false) {
  return new Promise((resolve, reject) => {
    const req = http.request(s.url('/report'), { method: 'POST', agent, headers: { 'content-type': 'text/plain;charset=UTF-8' } }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const report = (over = {}) => JSON.stringify({
  v: 1, id: 'page-0123456789', stream: 'http://127.0.0.1/live/stream.m3u8', rendition: '360p', seq: 1,
  p2p: 6000, cdn: 2000, origin: 0, other: 0, up: 3000, peers: 2, stalls: 0, stalled_s: 0, latency: 12.4, state: 'playing', ...over
})

main(async () => {
  const s = await startSigd(['--events-stdin'], { stdin: true })
  const feed = await client(s.ws('/events'))

  let r = await post(s, report())
  check(r.status === 204, `a good report is taken: 204 (${r.status} ${r.body})`)
  r = await post(s, report({ id: 'page-other-viewer', p2p: 2000, cdn: 2000 }))
  check(r.status === 204, 'a second viewer is taken')
  const st = await stats(s)
  const row = st.delivery.streams[0]
  check(st.delivery.viewers === 2 && row.viewers === 2 && row.rendition === '360p', '/stats.json: 2 viewers of 360p')
  check(row.total.p2p === 8000 && row.total.cdn === 4000 && row['1m'].p2p_share === 0.667,
    `/stats.json: totals and the minute's P2P share (${JSON.stringify(row.total)})`)

  const bad = [
    ['{"v":1,', 400, 'not JSON'],
    ['[1,2,3]', 400, 'a report is a JSON object'],
    [report({ p2p: '6000' }), 400, 'field p2p must be a number'],
    [report({ p2p: 1e300 }), 400, 'field p2p must be between 0 and 2^50'],
    [report({ cdn: -5 }), 400, 'field cdn must be between 0 and 2^50'],
    [report({ peers: 1.5 }), 400, 'field peers must be a whole number'],
    [report({ state: 'dancing' }), 400, 'field state must be one of'],
    [report({ ua: 'Mozilla/5.0' }), 400, 'unknown field ua'],
    [report({ seq: 1 }), 400, 'seq 1 is not after 1'],
    [report({ pad: 'x'.repeat(1024 * 1024) }), 413, 'report of 1048'],
  ]
  for (const [body, status, reason] of bad) {
    r = await post(s, body)
    check(r.status === status && r.body.includes(reason), `refused ${status} "${reason}" (${r.status}: ${r.body.trim().slice(0, 80)})`)
  }
  const refused = (await stats(s)).delivery.refused
  check(refused.json === 2 && refused.field === 6 && refused.stale === 1 && refused.body_size === 1,
    `each refusal counted by reason (${JSON.stringify(refused)})`)

  // The flood: 1,000 reports a second from one client on a few kept-alive
  // connections, while a tracker client announces.
  const tracker = await client(s.ws('/announce'))
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 })
  const answered = []
  let stop = false
  const announcer = (async () => {
    const ih = binaryId(), pid = binaryId()
    while (!stop) {
      const t0 = performance.now()
      const seen = tracker.messages.length
      tracker.send({ action: 'announce', info_hash: ih, peer_id: pid, numwant: 0, left: 1, offers: [] })
      await until('an announce answer', () => tracker.messages.length > seen, 5000)
      answered.push(performance.now() - t0)
      await sleep(20)
    }
  })()
  const statuses = {}
  const t0 = Date.now()
  let sent = 0
  while (Date.now() - t0 < 2000) {
    const batch = []
    for (let i = 0; i < 100; i++) batch.push(post(s, report({ id: 'flood-viewer-' + (sent % 300), seq: 1000 + sent++ }), agent))
    for (const x of await Promise.all(batch)) statuses[x.status] = (statuses[x.status] || 0) + 1
    await sleep(Math.max(0, (sent / 1000) * 1000 - (Date.now() - t0)))
  }
  stop = true
  await announcer
  agent.destroy()
  const after = (await stats(s)).delivery.refused
  check(statuses[429] > sent / 2 && after.rate_conn + after.rate_ip === statuses[429],
    `${sent} reports in ${Date.now() - t0} ms: ${statuses[429]} refused 429 and counted (${JSON.stringify(statuses)}, ${JSON.stringify(after)})`)
  const slowest = Math.max(...answered)
  check(answered.length > 20 && slowest < 500, `the tracker answered ${answered.length} announces during the flood, slowest ${slowest.toFixed(0)} ms`)

  // Every 10 s the feed gets one `delivery` event per stream.
  const ev = await feed.next(m => m.event === 'delivery', 15000)
  check(ev.stream === 'http://127.0.0.1/live/stream.m3u8' && ev.rendition === '360p' && ev.viewers >= 2 && typeof ev.p2p_share === 'number' &&
    typeof ev.time === 'string', `a delivery event on the feed (${JSON.stringify(ev).slice(0, 160)})`)

  const metrics = (await getOnce(s, '/metrics')).body.toString()
  check(/^hlsmesh_delivery_viewers\{stream="http:\/\/127.0.0.1\/live\/stream.m3u8",rendition="360p"\} \d+/m.test(metrics),
    '/metrics: hlsmesh_delivery_viewers per stream and rendition')
  check(/^# TYPE hlsmesh_delivery_bytes_p2p_total counter$/m.test(metrics) && /^hlsmesh_delivery_reports_refused_total\{reason="rate_conn"\} [1-9]/m.test(metrics),
    '/metrics: byte counters and refusals by reason')
  feed.close()
  tracker.close()
  check((await s.stop()).code === 0, 'sigd exits 0')
})
