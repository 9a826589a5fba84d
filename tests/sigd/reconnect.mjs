// A viewer that reconnects with its old peer_id while its old connection
// lingers (a half-open TCP connection, a page reload) takes its peer over at
// once from the same client address: the old connection is closed and named
// in the log. From another address the peer_id is still refused.
import { startSigd, client, check, main, until, stats, binaryId } from './lib.mjs'

const announce = (ih, pid, extra = {}) => ({ action: 'announce', info_hash: ih, peer_id: pid, numwant: 0, left: 1, event: 'started', offers: [], ...extra })
const offer = n => ({ offer: { type: 'offer', sdp: `v=0 offer ${n}` }, offer_id: binaryId('offer') })

main(async () => {
  const s = await startSigd(['--interval', '30', '--log-level', 'info'])
  const ih = binaryId('swarm')
  const pid = binaryId('-PM0203-')
  const old = await client(s.ws('/announce'))
  old.send(announce(ih, pid))
  await old.next(m => m.interval === 30)

  const fresh = await client(s.ws('/announce'))
  fresh.send(announce(ih, pid))
  const reply = await fresh.next(m => m.action === 'announce' && (m.interval || m['failure reason']))
  check(!reply['failure reason'] && reply.incomplete === 1, 'the same peer_id from the same address is taken over at once')
  await until('the lingering connection is closed', () => old.closed(), 5000)
  check(true, 'the old connection is closed by sigd')
  const line = s.stderr().split('\n').find(l => /replaced a lingering WebSocket connection/.test(l))
  check(line && line.includes(Buffer.from(pid, 'latin1').toString('hex')) && line.includes('127.0.0.1'),
    `the log names the replaced connection, its peer_id and address: ${line}`)
  let st = await stats(s)
  check(st.replaced_connections === 1 && st.ws_peers === 1 && st.errors.peer_id_taken === 0,
    'counted as replaced_connections; one peer, no refusal')

  // Offers for the peer now reach the new connection.
  const other = await client(s.ws('/announce'))
  other.send(announce(ih, binaryId('-PM0203-'), { numwant: 1, offers: [offer(1)] }))
  await fresh.next(m => m.offer && m.offer.sdp === 'v=0 offer 1')
  check(true, 'an offer to the peer_id reaches the new connection')

  // From another address (127.0.0.2 on the loopback) it is someone else.
  const stranger = await client(s.ws('/announce'), { localAddress: '127.0.0.2' })
  stranger.send(announce(ih, pid))
  const refused = await stranger.next(m => m['failure reason'])
  check(/peer_id is in use/.test(refused['failure reason']) && refused.info_hash === ih,
    'the same peer_id from another address is refused')
  st = await stats(s)
  check(!fresh.closed() && st.replaced_connections === 1 && st.errors.peer_id_taken === 1,
    'the viewer keeps its connection; the refusal is counted')
  for (const c of [fresh, other, stranger]) c.close()
  check((await s.stop()).code === 0, 'sigd exits 0')
})
