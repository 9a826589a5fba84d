// POST /relay-report: a relay's (meshrelay) report of what it served, with
// sigd's --relay-token as its bearer token. Taken reports show beside the
// viewers' figures of the same stream and rendition in /stats.json,
// /metrics and /delivery.json; a missing or wrong token is refused 403 and
// counted; a sigd without --relay-token takes none; the token never appears
// in sigd's log.
import http from 'node:http'
import { startSigd, check, main, stats, getOnce } from './lib.mjs'

const TOKEN = 'relay-secret-5f1c9a'

function post (s, path, body, token) {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json' }
    if (token) headers.authorization = `Bearer ${token}`
    const req = http.request(s.url(path), { method: 'POST', agent: false, headers }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const STREAM = 'http://127.0.0.1/live/stream.m3u8'
const relay = (seq, bytes, over = {}) => JSON.stringify({
  v: 1, relay: 'relay-run-0001', seq, streams: [{ stream: STREAM, rendition: '360p', bytes, peers: 2 }], ...over
})
const viewer = JSON.stringify({
  v: 1, id: 'page-0123456789', stream: STREAM, rendition: '360p', seq: 1, p2p: 9000, cdn: 1000, origin: 0,
  other: 0, up: 0, peers: 1, stalls: 0, stalled_s: 0, latency: 12, state: 'playing'
})

main(async () => {
  const s = await startSigd(['--relay-token', TOKEN])
  let r = await post(s, '/report', viewer)
  check(r.status === 204, `a viewer's report is taken (${r.status} ${r.body})`)
  r = await post(s, '/relay-report', relay(1, 5000), TOKEN)
  check(r.status === 204, `a relay's report with the token is taken (${r.status} ${r.body})`)
  r = await post(s, '/relay-report', relay(2, 7000), TOKEN)
  check(r.status === 204, 'its next report too')

  const st = await stats(s)
  const row = st.delivery.streams.find(x => x.rendition === '360p')
  check(st.delivery.streams.length === 1, `one series: the relay's row joined the viewers' (${st.delivery.streams.length})`)
  check(row.total.relays === 7000 && row.total.p2p === 9000, `totals: 7000 from relays beside 9000 from peers (${JSON.stringify(row.total)})`)
  check(row['1m'].bytes.relays === 7000 && row['1m'].relays === 1 && row['1m'].relay_peers === 2,
    `the minute: relay bytes, 1 relay, its 2 peers (${JSON.stringify(row['1m'])})`)
  check(st.delivery.relay_reports === 2, 'relay reports counted')

  const metrics = (await getOnce(s, '/metrics')).body
  check(metrics.includes(`hlsmesh_delivery_bytes_relay_total{stream="${STREAM}",rendition="360p"} 7000`),
    '/metrics: hlsmesh_delivery_bytes_relay_total')
  check(metrics.includes(`hlsmesh_delivery_relays{stream="${STREAM}",rendition="360p"} 1`), '/metrics: hlsmesh_delivery_relays')
  check(metrics.includes('hlsmesh_delivery_relay_reports_total 2'), '/metrics: hlsmesh_delivery_relay_reports_total')
  const history = JSON.parse((await getOnce(s, '/delivery.json')).body)
  const relayColumn = history.columns.indexOf('relay')
  const points = history.streams[0].points
  check(relayColumn > 0 && points.reduce((n, p) => n + p[relayColumn], 0) === 7000, '/delivery.json: a relay column')

  const bad = [
    [relay(3, 8000), undefined, 403, 'no valid relay token'],
    [relay(3, 8000), 'wrong-token', 403, 'no valid relay token'],
    [relay(2, 8000), TOKEN, 400, 'seq 2 is not after 2'],
    [relay(3, -1), TOKEN, 400, 'field streams[0].bytes must be a whole number'],
    [relay(3, 1, { streams: 'x' }), TOKEN, 400, 'field streams must be an array'],
    ['{"v":1', TOKEN, 400, 'not JSON'],
    [relay(3, 1, { pad: 'x'.repeat(40000) }), TOKEN, 413, 'relay report of 40'],
  ]
  for (const [body, token, status, reason] of bad) {
    r = await post(s, '/relay-report', body, token)
    check(r.status === status && r.body.includes(reason), `refused ${status} "${reason}" (${r.status}: ${r.body.trim().slice(0, 90)})`)
  }
  const after = await stats(s)
  check(after.delivery.refused.relay_token === 2 && after.delivery.streams[0].total.relays === 7000,
    `refusals counted, figures unchanged (${JSON.stringify(after.delivery.refused)})`)
  check(!s.stderr().includes(TOKEN), 'the token is not in sigd\'s log')
  await s.stop()

  const plain = await startSigd([])
  r = await post(plain, '/relay-report', relay(1, 5000), TOKEN)
  check(r.status === 403 && r.body.includes('start it with --relay-token'), `a sigd without --relay-token takes none (${r.status} ${r.body.trim()})`)
  await plain.stop()
})
