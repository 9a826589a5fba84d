// The real bittorrent-tracker client (what webtorrent and p2p-media-loader
// use) against sigd: announce, relayed offer, relayed answer, scrape, stop.
import Client from 'bittorrent-tracker/client'
import crypto from 'node:crypto'
import { startSigd, check, main, until, stats, sleep } from './lib.mjs'

main(async () => {
  const s = await startSigd(['--interval', '30'])
  const infoHash = crypto.randomBytes(20).toString('hex')
  const mk = (url, peerId) => {
    const c = new Client({ infoHash, peerId, announce: [url], port: 6881 })
    c.on('warning', w => console.log('warning', w.message))
    c.on('error', e => console.log('error', e.message))
    return c
  }
  // Two tracker paths: two separate sockets (the client pools one per URL).
  const a = mk(s.ws('/announce'), Buffer.from('-PM0203-aaaaaaaaaaaa').toString('hex'))
  const b = mk(s.ws('/'), Buffer.from('-PM0203-bbbbbbbbbbbb').toString('hex'))
  const updatesA = []
  const updatesB = []
  const peersA = []
  const peersB = []
  a.on('update', d => updatesA.push(d))
  b.on('update', d => updatesB.push(d))
  a.on('peer', p => peersA.push(p))
  b.on('peer', p => peersB.push(p))
  a.start()
  await until('first announce reply to A', () => updatesA.length > 0)
  check(updatesA[0].incomplete === 1 && updatesA[0].complete === 0, 'A is the only (leeching) peer')
  b.start()
  await until('first announce reply to B', () => updatesB.length > 0)
  check(updatesB[0].incomplete === 2, 'B sees two peers in the swarm')

  // B announced 5 offers; sigd relays one to A (the only other peer). A's
  // client answers through sigd; the WebRTC connection then opens on both sides.
  await until('a WebRTC peer on both sides', () => peersA.length > 0 && peersB.length > 0, 30000)
  check(true, 'offer relayed to A and answer relayed to B: both clients got a connected peer')
  let st = await stats(s)
  check(st.offers_relayed === 1 && st.answers_relayed === 1, 'stats count 1 offer and 1 answer relayed')
  check(st.ws_connections === 2 && st.peers === 2 && st.swarms === 1, 'stats: 2 connections, 2 peers, 1 swarm')

  const scrape = await new Promise((resolve, reject) => {
    a.once('scrape', resolve)
    a.once('warning', reject)
    a.scrape()
  })
  check(scrape.incomplete === 2 && scrape.complete === 0, 'scrape reports 2 leechers')

  // Completing turns B into a seeder.
  b.complete()
  await until('complete counted', async () => (await stats(s)).seeders === 1)
  check(true, 'completed event makes B a seeder')
  b.stop()
  await until('B left the swarm', async () => (await stats(s)).peers === 1)
  check(true, 'stopped event removes B from the swarm')
  a.destroy()
  b.destroy()
  await until('sockets closed', async () => (await stats(s)).ws_connections === 0, 15000)
  st = await stats(s)
  check(st.peers === 0 && st.swarms === 0, 'closing the sockets leaves no peers and deletes the empty swarm')
  await sleep(50)
  const exit = await s.stop()
  check(exit.code === 0, 'sigd exits 0 on SIGTERM')
})
