// sigd behind a real reverse proxy (nginx, forwarding as cloudflared does,
// sigd --trusted-proxy 127.0.0.1): every limit keys on the client the proxy
// names. 200 viewers from 20 forwarded addresses (documentation ranges in
// the headers; all traffic on 127.0.0.1) with --max-per-ip 10: every
// address gets exactly 10, a flooding address is cut off while the others
// go on, offers flow between all admitted viewers. Also: X-Forwarded-For's
// last entry counts, not a spoofed first one; an upgrade naming nobody is
// counted as the proxy and logged once; the same headers sent straight to
// sigd by anyone else are ignored; HTTP announces are rate limited per
// forwarded address; a reconnect replaces by forwarded address.
import WebSocket from 'ws'
import { startSigd, check, main, until, stats, sleep, binaryId, percentEncode } from './lib.mjs'
import { startNginx } from './nginx.mjs'
import bencode from 'bencode'

const announce = (ih, pid, extra = {}) => ({ action: 'announce', info_hash: ih, peer_id: pid, numwant: 0, left: 1, event: 'started', offers: [], ...extra })

// A viewer through the proxy; `edge` are the headers the Cloudflare edge
// would have set. Resolves to the viewer, or to null when the upgrade is refused.
function viewer (port, edge, opts = {}) {
  return new Promise(resolve => {
    const sock = new WebSocket(`ws://127.0.0.1:${port}/announce`, { headers: edge, ...opts })
    const v = { sock, messages: [], closed: null, send: o => sock.send(JSON.stringify(o)) }
    sock.on('message', d => v.messages.push(JSON.parse(d.toString())))
    sock.on('close', code => { v.closed = code })
    sock.once('open', () => resolve(v))
    sock.once('error', () => resolve(null))
  })
}

main(async () => {
  const s = await startSigd(['--trusted-proxy', '127.0.0.1', '--max-per-ip', '10', '--max-offers', '20',
    '--msg-rate', '20', '--msg-burst', '50', '--max-bad-messages', '10', '--http-rate', '1', '--http-burst', '5',
    '--interval', '60', '--log-level', 'info'])
  const proxy = await startNginx(s.hostport, { cloudflared: 'cloudflared', xff: 'xff', none: 'none' })

  // --- 20 addresses x 11 upgrades: 10 by CF-Connecting-IP, 10 by X-Forwarded-For
  // (whose first entry is the client's own claim, the same for all of them).
  const addresses = []
  for (let i = 1; i <= 10; i++) addresses.push({ ip: `198.51.100.${i}`, port: proxy.ports.cloudflared, edge: { 'CF-Connecting-IP': `198.51.100.${i}`, 'X-Forwarded-For': `198.51.100.${i}` } })
  for (let i = 1; i <= 10; i++) addresses.push({ ip: `203.0.113.${i}`, port: proxy.ports.xff, edge: { 'X-Forwarded-For': `192.0.2.99, 203.0.113.${i}` } })
  const results = await Promise.all(addresses.map(a => Promise.all(Array.from({ length: 11 }, () => viewer(a.port, a.edge)))))
  const admitted = results.map(r => r.filter(Boolean))
  check(admitted.every(r => r.length === 10), `every address got exactly 10 of 11 (${admitted.map(r => r.length).join(',')})`)
  const all = admitted.flat()
  let st = await stats(s)
  check(st.ws_connections === 200 && st.errors.ip_limit === 20, `200 viewers through the proxy, 20 refused as ip_limit (${st.ws_connections}, ${st.errors.ip_limit})`)

  // --- offers flow between all of them: one swarm, 20 offers from each viewer
  const ih = binaryId('venue')
  all.forEach((v, i) => { v.pid = binaryId(`-PM${String(i).padStart(4, '0')}-`); v.send(announce(ih, v.pid)) })
  await until('every viewer joined', () => all.every(v => v.messages.some(m => m.interval === 60)), 20000)
  all.forEach(v => v.send(announce(ih, v.pid, { numwant: 20, event: undefined, offers: Array.from({ length: 20 }, (_, k) => ({ offer: { type: 'offer', sdp: `v=0 ${v.pid.length}-${k}` }, offer_id: binaryId('o') })) })))
  await until('every viewer got an offer', () => all.every(v => v.messages.some(m => m.offer)), 20000)
  st = await stats(s)
  check(st.offers_relayed === 4000, `every viewer received offers; 4000 relayed (${st.offers_relayed})`)
  all.forEach(v => {
    const o = v.messages.find(m => m.offer)
    v.send({ action: 'announce', info_hash: ih, peer_id: v.pid, to_peer_id: o.peer_id, offer_id: o.offer_id, answer: { type: 'answer', sdp: 'v=0 answer' } })
  })
  await until('every answer delivered', () => all.reduce((n, v) => n + v.messages.filter(m => m.answer).length, 0) === 200, 20000)
  check(true, 'each viewer answered one offer; all 200 answers reached their offerer')

  // --- one address floods: its connections are cut off, the others are not
  const flooder = admitted[0]
  for (const v of flooder) for (let i = 0; i < 100; i++) v.send({ action: 'scrape', info_hash: ih })
  await until('the flooding address is cut off', () => flooder.every(v => v.closed !== null), 20000)
  // (1008, or 1006 when the close frame is lost behind the replies still queued)
  st = await stats(s)
  check(st.closed_for_abuse === 10 && flooder.every(v => [1008, 1006].includes(v.closed)),
    `sigd closed all 10 connections of the flooding address (closed_for_abuse ${st.closed_for_abuse}; ${flooder.map(v => v.closed)})`)
  const others = admitted.slice(1).flat()
  await sleep(200)
  check(others.every(v => v.closed === null), 'the 190 viewers of the other 19 addresses are still connected')
  const abuse = s.stderr().split('\n').filter(l => /too many bad or over-rate/.test(l))
  check(abuse.length === 10 && abuse.every(l => /198\.51\.100\.1\b/.test(l)),
    'each cut-off is logged with the forwarded address 198.51.100.1')
  const before = (await stats(s)).offers_relayed
  others.slice(0, 19).forEach(v => v.send(announce(ih, v.pid, { numwant: 5, event: undefined, offers: Array.from({ length: 5 }, () => ({ offer: { type: 'offer', sdp: 'v=0 again' }, offer_id: binaryId('p') })) })))
  await until('offers still relayed', async () => (await stats(s)).offers_relayed === before + 95, 10000)
  check(true, 'offers still flow between the others')
  const back = await viewer(flooder.length && addresses[0].port, addresses[0].edge)
  check(back !== null, 'the flooding address may connect again once its connections are gone')
  back.sock.close()

  // --- an upgrade that names nobody: the proxy's own address, logged once
  const anon = [await viewer(proxy.ports.none, {}), await viewer(proxy.ports.none, {})]
  check(anon.every(Boolean), 'upgrades naming no client are let in (as the proxy)')
  const unnamed = s.stderr().split('\n').filter(l => /names no client/.test(l))
  check(unnamed.length === 1 && /127\.0\.0\.1/.test(unnamed[0]), 'and logged once, naming the proxy')

  // --- straight to sigd from a non-proxy address, the headers are ignored
  const direct = await viewer(s.hostport.split(':')[1], { 'CF-Connecting-IP': '198.51.100.2' }, { localAddress: '127.0.0.2' })
  check(direct !== null, 'CF-Connecting-IP from a sender that is not a trusted proxy is ignored (198.51.100.2 is full)')

  // --- reconnect by forwarded address
  const pid = binaryId('-PM9999-')
  const first = await viewer(proxy.ports.cloudflared, { 'CF-Connecting-IP': '203.0.113.77' })
  first.send(announce(ih, pid))
  await until('first announce', () => first.messages.some(m => m.interval))
  const again = await viewer(proxy.ports.cloudflared, { 'CF-Connecting-IP': '203.0.113.77' })
  again.send(announce(ih, pid))
  await until('reconnect answered', () => again.messages.some(m => m.interval || m['failure reason']))
  await until('the old connection closed', () => first.closed !== null, 5000)
  check(!again.messages.some(m => m['failure reason']), 'the same peer_id from the same forwarded address replaces the old connection')
  const stranger = await viewer(proxy.ports.cloudflared, { 'CF-Connecting-IP': '203.0.113.78' })
  stranger.send(announce(ih, pid))
  await until('refusal', () => stranger.messages.some(m => m['failure reason']))
  check(/peer_id is in use/.test(stranger.messages.find(m => m['failure reason'])['failure reason']), 'from another forwarded address it is refused')

  // --- HTTP announces: a token bucket per forwarded address (--http-rate 1 --http-burst 5)
  const httpAnnounce = async (port, client, n) => {
    const q = `info_hash=${percentEncode(binaryId('h'))}&peer_id=${percentEncode(binaryId('-LT2080-'))}&port=${6000 + n}&left=1`
    const r = await fetch(`http://127.0.0.1:${port}/announce?${q}`, { headers: { 'CF-Connecting-IP': client } })
    return bencode.decode(Buffer.from(await r.arrayBuffer()))
  }
  const replies = []
  for (let i = 0; i < 6; i++) replies.push(await httpAnnounce(proxy.ports.cloudflared, '198.51.100.200', i))
  const failures = replies.map(r => r['failure reason'] ? Buffer.from(r['failure reason']).toString() : '')
  check(failures.slice(0, 5).every(f => !f) && /too many requests/.test(failures[5]), `5 announces pass, the 6th is refused (${failures[5]})`)
  const neighbour = await httpAnnounce(proxy.ports.cloudflared, '198.51.100.201', 9)
  check(!neighbour['failure reason'], 'another forwarded address is not affected')
  const metrics = await (await fetch(s.url('/metrics'))).text()
  check(/sigd_errors_total\{kind="http_rate"\} 1\n/.test(metrics), 'counted in /metrics as http_rate')

  for (const v of [...others, ...anon, direct, again, stranger]) v.sock.terminate()
  check((await proxy.stop()) !== null, 'nginx stopped by its PID')
  check((await s.stop()).code === 0, 'sigd exits 0')

  // --- negative control: without --trusted-proxy the same 2 x 6 upgrades all
  // count as the proxy's 127.0.0.1, and only 10 get in
  const plain = await startSigd(['--max-per-ip', '10'])
  const proxy2 = await startNginx(plain.hostport, { cloudflared: 'cloudflared' })
  const mixed = await Promise.all(addresses.slice(0, 2).flatMap(a => Array.from({ length: 6 }, () => viewer(proxy2.ports.cloudflared, a.edge))))
  check(mixed.filter(Boolean).length === 10, `without --trusted-proxy 2 addresses x 6 share one limit: ${mixed.filter(Boolean).length} of 12 in`)
  mixed.filter(Boolean).forEach(v => v.sock.terminate())
  await proxy2.stop()
  check((await plain.stop()).code === 0, 'sigd exits 0')
})
