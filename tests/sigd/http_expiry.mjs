// Each kind of peer expires after missing two of the announces it was asked
// for: WebSocket peers after 2 x --interval, HTTP peers (libtorrent, aria2c,
// torrentseed) after 2 x --http-interval, not 2 x the WebSocket interval.
import { startSigd, client, check, main, until, stats, binaryId, httpTracker } from './lib.mjs'

main(async () => {
  // WebSocket peers: 2 x 2 s = 4 s; HTTP peers: 2 x 6 s = 12 s. The sweep runs every second.
  const s = await startSigd(['--interval', '2', '--http-interval', '6'])
  const ih = binaryId()
  const t0 = Date.now()
  const reply = await httpTracker(s, '/announce', { info_hash: ih, peer_id: binaryId('-LT2080-'), port: 6881, left: 10, compact: 1 })
  check(reply.interval === 6 && reply['min interval'] === 3, 'HTTP clients are told interval 6, min interval 3')
  const w = await client(s.ws('/announce'))
  w.send({ action: 'announce', info_hash: ih, peer_id: binaryId('-PM0203-'), numwant: 0, left: 1, event: 'started', offers: [] })
  const r = await w.next(m => m.action === 'announce')
  check(r.interval === 2, 'WebSocket clients are told interval 2')
  let st = await stats(s)
  check(st.http_peers === 1 && st.ws_peers === 1, 'one HTTP and one WebSocket peer in the swarm')

  // Neither announces again.
  await until('the WebSocket peer expired', async () => (await stats(s)).ws_peers === 0, 10000)
  st = await stats(s)
  const wsGone = Date.now() - t0
  check(st.http_peers === 1, `the HTTP peer outlives 2 x --interval (WebSocket peer swept after ${wsGone} ms, the HTTP one kept)`)
  await until('past 2 x --interval + 2 sweeps', async () => Date.now() - t0 > 7000)
  check((await stats(s)).http_peers === 1, 'the HTTP peer is still there 7 s in (> 2 x --interval + 2 sweeps)')

  await until('the HTTP peer expired', async () => (await stats(s)).http_peers === 0, 20000)
  const httpGone = Date.now() - t0
  check(httpGone >= 12000 && httpGone < 16000, `the HTTP peer is swept after 2 x --http-interval (after ${httpGone} ms)`)
  st = await stats(s)
  check(st.peers === 0 && st.swarms === 0 && st.peers_expired === 2, 'both counted as expired; the empty swarm is deleted')
  w.close()
  check((await s.stop()).code === 0, 'sigd exits 0')
})
