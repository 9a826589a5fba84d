// HTTP and WebSocket peers in one swarm: scrapes (both trackers) count both
// kinds, each kind is given only peers it can reach (HTTP clients ip:port,
// browsers WebRTC offers). And a peer belongs to whoever announced it: peer
// ids are not secret (every relayed offer carries one), so an HTTP request
// naming a WebSocket peer's id, or another connection announcing it, must
// neither remove, convert nor move it: answers meant for it still reach it.
import { startSigd, client, check, main, until, stats, sleep, binaryId, httpTracker, compactPeers } from './lib.mjs'

const announce = (ih, pid, extra = {}) => ({ action: 'announce', info_hash: ih, peer_id: pid, numwant: 5, uploaded: 0, downloaded: 0, left: 100, event: 'started', ...extra })
const offers = n => Array.from({ length: n }, (_, i) => ({ offer: { type: 'offer', sdp: `v=0 mixed ${i}` }, offer_id: binaryId() }))

main(async () => {
  const s = await startSigd(['--interval', '30'])
  const ih = binaryId('\u0000\r')  // %00 %0D: the raw HTTP path
  const h1 = binaryId('-LT2080-')
  const h2 = binaryId('-aria2-')
  const http = (pid, port, extra = {}) => httpTracker(s, '/announce', { info_hash: ih, peer_id: pid, port, uploaded: 0, downloaded: 0, left: 10, compact: 1, ...extra })

  // --- a mixed swarm: 2 HTTP peers (one seeding), 2 WebSocket peers
  await http(h1, 7001, { left: 0 })
  await http(h2, 7002)
  const ws = []
  for (let i = 0; i < 2; i++) {
    const c = await client(s.ws('/announce'))
    const pid = binaryId('-PM0203-')
    c.send(announce(ih, pid))
    await c.next(m => m.action === 'announce' && m.interval === 30)
    ws.push({ c, pid })
  }
  ws[0].c.send({ action: 'scrape', info_hash: ih })
  const wsScrape = (await ws[0].c.next(m => m.action === 'scrape')).files[ih]
  check(wsScrape.complete === 1 && wsScrape.incomplete === 3, 'WebSocket scrape counts both kinds: 1 seeder, 3 leechers')
  const httpFiles = Object.values((await httpTracker(s, '/scrape', { info_hash: ih })).files)  // binary keys: by position
  check(httpFiles.length === 1 && httpFiles[0].complete === 1 && httpFiles[0].incomplete === 3, 'HTTP scrape counts both kinds too')

  const r2 = await http(h2, 7002)
  check(r2.complete === 1 && r2.incomplete === 3, 'the HTTP announce reply counts both kinds')
  check(JSON.stringify(compactPeers(r2.peers)) === JSON.stringify(['127.0.0.1:7001']),
    `an HTTP client is given only the other HTTP peer, no WebSocket peer (got ${compactPeers(r2.peers)})`)

  const before = (await stats(s)).offers_relayed
  const w3 = await client(s.ws('/announce'))
  const p3 = binaryId('-PM0203-')
  w3.send(announce(ih, p3, { offers: offers(5) }))
  await w3.next(m => m.action === 'announce' && m.interval === 30)
  await until('offers relayed', async () => (await stats(s)).offers_relayed === before + 2)
  await sleep(300)
  check((await stats(s)).offers_relayed === before + 2 && ws.every(w => w.c.messages.filter(m => m.offer).length === 1),
    '5 offers reach only the 2 WebSocket peers, one each (HTTP peers cannot take WebRTC offers)')

  // --- HTTP requests touch HTTP peers only
  let st = await stats(s)
  const victim = ws[0]
  const stopped = await http(victim.pid, 7009, { event: 'stopped' })
  check(!stopped['failure reason'], 'HTTP stopped with a WebSocket peer\'s peer_id is answered...')
  st = await stats(s)
  check(st.ws_peers === 3 && st.http_peers === 2, '...and removes nothing: the WebSocket peer stays')
  const takeover = await http(victim.pid, 7009, { left: 0 })
  check(/peer_id is in use/.test(String(takeover['failure reason'])), 'an HTTP announce with a WebSocket peer\'s peer_id gets a bencoded failure reason')
  st = await stats(s)
  check(st.ws_peers === 3 && st.http_peers === 2 && st.seeders === 1 && st.errors.peer_id_taken === 1,
    'the WebSocket peer is still a WebSocket leecher, and the refusal is counted')
  const stillHttp = await http(h2, 7002)
  check(compactPeers(stillHttp.peers).length === 1, 'HTTP peers were not joined by a converted WebSocket peer')

  // --- another WebSocket connection announcing a live peer's id from another
  // address is refused (from the same address it would be the viewer's own
  // reconnect, which replaces its old connection: reconnect.mjs)
  const hijacker = await client(s.ws('/announce'), { localAddress: '127.0.0.2' })
  hijacker.send(announce(ih, victim.pid))
  const refused = await hijacker.next(m => m['failure reason'])
  check(refused.action === 'announce' && refused.info_hash === ih && /peer_id is in use/.test(refused['failure reason']),
    'a second connection from another address announcing a live peer\'s peer_id gets a failure reason with action and info_hash')
  hijacker.send(announce(ih, h1))
  await until('refused twice', () => hijacker.messages.filter(m => m['failure reason']).length === 2)
  check(/peer_id is in use/.test(hijacker.messages[1]['failure reason']), 'a WebSocket announce with an HTTP peer\'s peer_id is refused too')
  st = await stats(s)
  check(st.errors.peer_id_taken === 3 && st.ws_peers === 3 && st.http_peers === 2, 'refusals counted; no peer moved')
  // An answer to the victim still reaches the victim, not the hijacker.
  const offerToVictim = victim.c.messages.find(m => m.offer)
  ws[1].c.send({ action: 'announce', info_hash: ih, peer_id: ws[1].pid, to_peer_id: victim.pid, answer: { type: 'answer', sdp: 'v=0 for the victim' }, offer_id: offerToVictim.offer_id })
  await victim.c.next(m => m.answer && m.answer.sdp === 'v=0 for the victim')
  await sleep(200)
  check(!hijacker.messages.some(m => m.answer), 'an answer to that peer_id still goes to its own connection, not to the hijacker')
  // The victim's own connection keeps it; its stopped still works.
  victim.c.send(announce(ih, victim.pid, { event: 'stopped' }))
  await until('victim left', async () => (await stats(s)).ws_peers === 2)
  check(true, 'the owning connection can still stop its peer')
  // Once it is gone, its peer_id is free again.
  hijacker.send(announce(ih, victim.pid))
  await hijacker.next(m => m.action === 'announce' && m.interval === 30)
  check((await stats(s)).ws_peers === 3, 'a peer_id no connection holds can be announced by a new one (a reconnecting client)')

  for (const c of [...ws.map(w => w.c), w3, hijacker]) c.close()
  await until('all closed', async () => (await stats(s)).ws_connections === 0)
  st = await stats(s)
  check(st.ws_peers === 0 && st.http_peers === 2, 'closing the sockets removed the WebSocket peers and left the HTTP ones')
  check((await s.stop()).code === 0, 'sigd exits 0')
})
