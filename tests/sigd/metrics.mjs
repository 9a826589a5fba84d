// GET /metrics: Prometheus text exposition (0.0.4) of the same counters as
// /stats.json, every sample a sigd_* name with a HELP and a TYPE.
import { startSigd, client, check, main, binaryId, httpTracker, getOnce } from './lib.mjs'

main(async () => {
  const s = await startSigd()
  const c = await client(s.ws('/announce'))
  c.send({ action: 'announce', info_hash: binaryId(), peer_id: binaryId(), numwant: 0, left: 1, event: 'started', offers: [] })
  await c.next(m => m.action === 'announce')
  c.send('{not json')
  await c.next(m => m['failure reason'])
  await httpTracker(s, '/announce', { info_hash: 'short', peer_id: binaryId(), port: 1 })

  const r = await getOnce(s, '/metrics')
  const text = r.body.toString()
  check(r.status === 200 && r.headers['content-type'] === 'text/plain; version=0.0.4; charset=utf-8',
    `/metrics is Prometheus text (${r.headers['content-type']})`)
  const value = name => { const m = text.match(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm')); return m ? Number(m[1]) : null }
  check(/^# TYPE sigd_peers gauge$/m.test(text) && /^# HELP sigd_peers /m.test(text), 'sigd_peers has HELP and TYPE gauge')
  check(/^# TYPE sigd_announces_total counter$/m.test(text), 'sigd_announces_total is a counter')
  check(value('sigd_peers') === 1 && value('sigd_ws_peers') === 1 && value('sigd_swarms') === 1, 'sigd_peers, sigd_ws_peers, sigd_swarms: 1')
  check(value('sigd_announces_total') === 1 && value('sigd_ws_connections') === 1, 'sigd_announces_total 1, sigd_ws_connections 1')
  check(value('sigd_errors_total{kind="json"}') === 1 && value('sigd_errors_total{kind="http_tracker"}') === 1,
    'sigd_errors_total{kind=...} counts the bad WebSocket and HTTP requests')
  check(value('sigd_errors_total{kind="peer_limit"}') === 0 && value('sigd_errors_total{kind="peer_id_taken"}') === 0,
    'the new error kinds are exported')
  const samples = text.split('\n').filter(l => l && !l.startsWith('#'))
  // hlsmesh_delivery_* (viewer reports) are checked by report.mjs.
  const ours = samples.filter(l => !l.startsWith('hlsmesh_delivery_'))
  check(ours.length > 20 && ours.every(l => /^sigd_[a-z_]+(\{kind="[a-z_]+"\})? \d+$/.test(l)), `all ${ours.length} samples are well-formed sigd_* lines`)
  const typed = new Set(text.split('\n').filter(l => l.startsWith('# TYPE ')).map(l => l.split(' ')[2]))
  check(samples.every(l => typed.has(l.split(/[ {]/)[0])), 'every sample has a TYPE line')
  c.close()
  check((await s.stop()).code === 0, 'sigd exits 0')
})
