// BEP 7 over IPv6 loopback: HTTP peers announcing from [::1] are returned in
// `peers6` (18 bytes each), none in `peers`; the list form gives their IPv6
// text; WebSocket works on the IPv6 listener too. Skips (exit 0) with a
// message when this machine has no IPv6 loopback.
import net from 'node:net'
import { startSigd, client, check, main, binaryId, httpTracker, compactPeers } from './lib.mjs'

async function ipv6Loopback () {
  return new Promise(resolve => {
    const srv = net.createServer()
    srv.once('error', err => resolve(err.message))
    srv.listen(0, '::1', () => srv.close(() => resolve(null)))
  })
}

main(async () => {
  const why = await ipv6Loopback()
  if (why) {
    console.log(`skip: no IPv6 loopback here (cannot listen on [::1]: ${why}); peers6 untested`)
    return
  }
  const s = await startSigd([], { listen: '[::1]:0' })
  check(s.hostport.startsWith('[::1]:'), `sigd listens on ${s.hostport}`)
  const ih = binaryId('\u0000')
  const ann = (pid, port, extra = {}) => httpTracker(s, '/announce', { info_hash: ih, peer_id: pid, port, left: 5, compact: 1, ...extra })
  await ann(binaryId('-LT2080-'), 7001)
  const r = await ann(binaryId('-LT2080-'), 7002)
  check(r.peers6 && r.peers6.length === 18, `compact reply has peers6 of 18 bytes (got ${r.peers6 && r.peers6.length})`)
  check(JSON.stringify(compactPeers(r.peers6, true)) === JSON.stringify(['[0:0:0:0:0:0:0:1]:7001']), `peers6 is [::1]:7001 (${compactPeers(r.peers6, true)})`)
  check(r.peers.length === 0, 'and no IPv4 peer in peers')
  const list = await ann(binaryId('-LT2080-'), 7003, { compact: 0 })
  check(Array.isArray(list.peers) && list.peers.length === 2 && list.peers.every(p => Buffer.from(p.ip).toString() === '::1'),
    'compact=0 lists both with their IPv6 address')
  const c = await client(s.ws('/announce'))
  c.send({ action: 'announce', info_hash: ih, peer_id: binaryId(), numwant: 0, left: 1, event: 'started', offers: [] })
  const reply = await c.next(m => m.action === 'announce')
  check(reply.incomplete === 4, 'a WebSocket client on [::1] joins the same swarm')
  c.close()
  check((await s.stop()).code === 0, 'sigd exits 0')
})
