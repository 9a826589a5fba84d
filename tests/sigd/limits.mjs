// Bounds on what clients can hold: a sniffed HTTP tracker connection that
// never finishes its request is closed; --max-swarms and --max-peers refuse
// new swarms and peers (HTTP and WebSocket) with failure reasons and counters;
// --max-connections refuses connections at accept; --max-bad-messages above
// 65,535 still closes.
import net from 'node:net'
import { startSigd, client, check, main, until, stats, statsOnce, sleep, binaryId, httpTracker } from './lib.mjs'

const announce = (ih, pid) => ({ action: 'announce', info_hash: ih, peer_id: pid, numwant: 0, left: 1, event: 'started', offers: [] })

main(async () => {
  // --- half a request line on a sniffed HTTP tracker connection
  const s = await startSigd(['--max-swarms', '2', '--max-peers', '3'])
  check((await statsOnce(s)).connections === 1, 'before: one connection (this stats request)')
  const half = net.connect(Number(s.hostport.split(':').pop()), '127.0.0.1')
  let closedAt = null
  half.on('close', () => { closedAt = Date.now() })
  half.on('error', () => {})
  await new Promise(resolve => half.once('connect', resolve))
  const t0 = Date.now()
  half.write('GET /announce?info_hash=%00%0D')  // no end of line, ever
  await until('the connection is seen', async () => (await statsOnce(s)).connections === 2)
  check(true, 'the half request holds a connection')
  await until('sigd closes the half request', () => closedAt, 20000)
  const held = closedAt - t0
  check(held >= 8000 && held <= 15000, `sigd closed it after ${held} ms (10 s timeout on sniffed HTTP tracker sockets)`)
  await until('its slot is released', async () => (await statsOnce(s)).connections === 1, 5000)
  check(true, '/stats.json connections back to 1 (only the stats request itself)')

  // --- --max-swarms 2, --max-peers 3, for HTTP and WebSocket announces
  const [ih1, ih2, ih3] = [binaryId(), binaryId(), binaryId()]
  const http = (ih, pid) => httpTracker(s, '/announce', { info_hash: ih, peer_id: pid, port: 6881, left: 1 })
  const hp = binaryId('-LT2080-')
  check(!(await http(ih1, hp))['failure reason'] && !(await http(ih2, hp))['failure reason'], 'two HTTP announces start two swarms')
  const third = await http(ih3, hp)
  check(/too many swarms/.test(String(third['failure reason'])), `a third swarm over HTTP: bencoded failure (${third['failure reason']})`)
  const w = await client(s.ws('/announce'))
  w.send(announce(ih3, binaryId('-PM0203-')))
  const wf = await w.next(m => m['failure reason'])
  check(wf.action === 'announce' && wf.info_hash === ih3 && /too many swarms/.test(wf['failure reason']),
    'a third swarm over WebSocket: failure reason with action and info_hash')
  w.send(announce(ih1, binaryId('-PM0203-')))
  await w.next(m => m.action === 'announce' && m.interval === 120)
  w.send(announce(ih1, binaryId('-PM0203-')))
  const pf = await w.next(m => m['failure reason'] && /too many peers/.test(m['failure reason']))
  check(pf.info_hash === ih1, 'a 4th peer over WebSocket: "too many peers" with its info_hash')
  const fourth = await http(ih2, binaryId('-qB4650-'))
  check(/too many peers/.test(String(fourth['failure reason'])), 'a 4th peer over HTTP: bencoded "too many peers"')
  const again = await http(ih1, hp)
  check(!again['failure reason'] && again.complete + again.incomplete === 2, 'an existing peer still refreshes at the caps')
  let st = await stats(s)
  check(st.swarms === 2 && st.peers === 3 && st.errors.swarm_limit === 2 && st.errors.peer_limit === 2,
    'state stayed at 2 swarms and 3 peers; swarm_limit and peer_limit counted in /stats.json')
  w.close()
  half.destroy()
  check((await s.stop()).code === 0, 'sigd exits 0')

  // --- --max-connections 2
  const m = await startSigd(['--max-connections', '2'])
  const c1 = await client(m.ws('/announce'))
  const c2 = await client(m.ws('/announce'))
  let refused = false
  try {
    const c3 = await client(m.ws('/announce'))
    await until('closed at accept', () => c3.closed(), 3000)
    refused = true
  } catch { refused = true }
  check(refused, 'a third connection is refused with --max-connections 2')
  c2.close()
  await sleep(300)
  st = await until('a slot for the stats request', async () => { try { return await statsOnce(m) } catch { return false } })
  check(st.connections === 2 && st.errors.connection_limit >= 1, 'connection_limit counted; one WebSocket + this request open')
  const c4 = await until('a freed slot', async () => { try { return await client(m.ws('/announce')) } catch { return false } })
  check(!c4.closed(), 'a closed connection frees its slot')
  c1.close()
  c4.close()
  check((await m.stop()).code === 0, 'sigd exits 0')

  // --- --max-bad-messages above 65,535 (the counter once was 16 bits and wrapped)
  const limit = 65537
  const b = await startSigd(['--max-bad-messages', String(limit), '--msg-rate', '1000000000', '--msg-burst', '100000000',
    '--send-queue', String(256 << 20)])
  const bad = await client(b.ws('/announce'))
  for (let i = 0; i < limit + 10; i++) bad.sock.send('x')
  await until('closed after the limit', () => bad.closed(), 60000)
  st = await stats(b)  // replies still queued at the close are dropped: count on the server
  check(bad.closed().code === 1008 && st.errors.json === limit && st.closed_for_abuse === 1,
    `--max-bad-messages ${limit}: closed with 1008 after exactly ${st.errors.json} bad messages`)
  check((await b.stop()).code === 0, 'sigd exits 0')
})
