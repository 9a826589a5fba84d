// The real bittorrent-tracker client keeps its socket through sigd's failure
// replies. Its websocket-tracker treats any message whose action is neither
// announce nor scrape as a socket error: it destroys the socket that every
// torrent of the page shares and reconnects 10 s or more later. Two clients
// (two streams) share one socket here; bad messages are sent on it and
// announces go over --msg-rate; the socket must stay and keep working.
import Client from 'bittorrent-tracker/client'
import crypto from 'node:crypto'
import { startSigd, check, main, until, stats, sleep } from './lib.mjs'

main(async () => {
  const s = await startSigd(['--interval', '30', '--msg-rate', '0.5', '--msg-burst', '5', '--max-bad-messages', '1000'])
  const warnings = []
  const updates = { a: [], b: [] }
  const mk = (name, id) => {
    const c = new Client({
      infoHash: crypto.randomBytes(20).toString('hex'),
      peerId: Buffer.from(`-PM0203-${id.repeat(12)}`).toString('hex'),
      announce: [s.ws('/announce')],
      port: 6881
    })
    c.on('warning', w => warnings.push(`${name}: ${w.message}`))
    c.on('error', e => warnings.push(`${name} error: ${e.message}`))
    c.on('update', d => updates[name].push(d))
    return c
  }
  const a = mk('a', 'a')
  const b = mk('b', 'b')
  a.start()
  b.start()
  await until('both announced', () => updates.a.length > 0 && updates.b.length > 0)
  const trackerA = a._trackers[0]
  const trackerB = b._trackers[0]
  const socket = trackerA.socket
  check(socket && trackerB.socket === socket, 'the two clients share one WebSocket (the client pools one per tracker URL)')
  let st = await stats(s)
  check(st.ws_connections === 1, 'sigd sees one tracker connection')

  const intact = () => !trackerA.destroyed && !trackerB.destroyed && !trackerA.reconnecting && !trackerB.reconnecting &&
    trackerA.socket === socket && trackerB.socket === socket && socket.connected
  const noSocketError = () => !warnings.some(w => /invalid action in WS response|error/.test(w))

  // Failure replies: not JSON, a binary frame, an unknown action.
  socket.send('{"not json')
  socket.send(new Uint8Array([1, 2, 3]))
  socket.send(JSON.stringify({ action: 'dance' }))
  await until('three failures counted', async () => {
    const e = (await stats(s)).errors
    return e.json >= 1 && e.binary >= 1 && e.action >= 1
  })
  await sleep(500)  // the replies reach the client
  check(intact(), 'after failure replies (not JSON, binary frame, unknown action) the shared socket is still open and in use')
  check(noSocketError(), `the client saw no socket error (warnings: ${JSON.stringify(warnings)})`)

  // Over --msg-rate: the client sends scrapes at once (announces wait ~5 s
  // for their WebRTC offers), 8 of them on a bucket of at most 5 tokens.
  for (let i = 0; i < 8; i++) a.scrape()
  await until('over-rate scrapes counted', async () => (await stats(s)).errors.rate >= 3, 15000)
  await sleep(500)
  check(intact() && noSocketError(), 'messages over --msg-rate are dropped without dropping the socket')
  st = await stats(s)
  check(st.ws_connections === 1 && st.closed_for_abuse === 0, 'no reconnect: sigd still has the one tracker connection')

  // The bucket refills (0.5/s) while the other stream's offers are made: it is answered on the same socket.
  const before = updates.b.length
  b.update()
  await until('b answered on the same socket', () => updates.b.length > before, 15000)
  check(intact() && trackerB.socket === socket, 'the other stream on the same socket is still answered')
  a.destroy()
  b.destroy()
  await until('socket closed', async () => (await stats(s)).ws_connections === 0, 15000)
  check((await s.stop()).code === 0, 'sigd exits 0')
})
