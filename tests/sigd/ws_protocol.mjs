// Scripted WebSocket clients against sigd: the wire format byte for byte,
// offer fan-out bounds (numwant, --max-offers), answers only inside the swarm,
// many peer_ids on one connection, cleanup on close, scrape forms, every
// event answered, failure reasons (always with an action), expiry, pings,
// abuse closes, Origin and info-hash allow-lists (with SIGHUP reload), rate
// limit.
import fs from 'node:fs'
import path from 'node:path'
import { startSigd, client, check, main, until, stats, sleep, binaryId } from './lib.mjs'

const announce = (ih, pid, extra = {}) => ({ action: 'announce', info_hash: ih, peer_id: pid, numwant: 5, uploaded: 0, downloaded: 0, left: 100, event: 'started', ...extra })

main(async () => {
  const s = await startSigd(['--interval', '2', '--max-offers', '10', '--max-bad-messages', '5'])

  // --- byte-exact replies, ids with bytes >= 0x80 and control characters
  const ih = '\u0000\u0001\u001f"\\\u007f\u0080\u00ff' + binaryId().slice(0, 12)
  const pa = binaryId('-PM0203-')
  const a = await client(s.ws('/announce'))
  a.send(announce(ih, pa))
  await until('reply to a', () => a.raw.length === 1)
  const expected = JSON.stringify({ complete: 0, incomplete: 1, action: 'announce', interval: 2, info_hash: ih })
  check(a.raw[0] === expected, 'announce reply is byte-identical to bittorrent-tracker\'s (binary info_hash re-encoded)')

  // --- offers: to min(offers, numwant, max-offers) other peers, never to the sender
  const others = []
  for (let i = 0; i < 6; i++) {
    const c = await client(s.ws(i % 2 ? '/' : '/announce'))
    const pid = binaryId('-PM0203-')
    c.send(announce(ih, pid))
    await c.next(m => m.action === 'announce' && m.interval === 2)
    others.push({ c, pid })
  }
  const pb = binaryId('-WW0001-')
  const offers = Array.from({ length: 10 }, (_, i) => ({ offer: { type: 'offer', sdp: `v=0\r\nsdp-${i} "quoted" \u00e9\r\n` }, offer_id: binaryId() }))
  const b = await client(s.ws('/announce'))
  b.send(announce(ih, pb, { numwant: 3, offers }))
  await b.next(m => m.action === 'announce' && m.interval === 2)
  await sleep(300)
  const got = [a, ...others.map(o => o.c)].flatMap(c => c.raw.filter(r => r.includes('"offer":')))
  check(got.length === 3, `numwant 3 with 10 offers relays exactly 3 offers (got ${got.length})`)
  check(b.raw.every(r => !r.includes('"offer":')), 'the announcing peer gets none of its own offers')
  const first = JSON.parse(got[0])
  const sent = offers.find(o => o.offer_id === first.offer_id)
  check(sent && got[0] === JSON.stringify({ action: 'announce', offer: sent.offer, offer_id: sent.offer_id, peer_id: pb, info_hash: ih }),
    'relayed offer is byte-identical (key order, SDP escaping, offer_id and peer_id)')

  // --- answer goes back to the offerer, only inside the swarm
  const receiver = [a, ...others.map(o => o.c)].find(c => c.raw.some(r => r === got[0]))
  const receiverPid = receiver === a ? pa : others.find(o => o.c === receiver).pid
  receiver.send({ action: 'announce', info_hash: ih, peer_id: receiverPid, to_peer_id: pb, answer: { type: 'answer', sdp: 'v=0 answer' }, offer_id: first.offer_id })
  const ans = await b.next(m => m.answer)
  check(ans.peer_id === receiverPid && ans.offer_id === first.offer_id && ans.info_hash === ih && ans.answer.sdp === 'v=0 answer',
    'answer relayed to to_peer_id with the answerer\'s peer_id, offer_id and info_hash')
  const before = (await stats(s)).answers_unrouted
  const otherSwarm = binaryId()
  receiver.send({ action: 'announce', info_hash: otherSwarm, peer_id: receiverPid, to_peer_id: pb, answer: { type: 'answer', sdp: 'x' }, offer_id: first.offer_id })
  await until('unrouted answer counted', async () => (await stats(s)).answers_unrouted === before + 1)
  await sleep(200)
  check(b.messages.filter(m => m.answer).length === 1, 'an answer naming another swarm is not relayed')

  // --- scrape: string, array, full
  a.send({ action: 'scrape', info_hash: ih })
  const sc = await a.next(m => m.action === 'scrape')
  check(sc.files[ih] && sc.files[ih].incomplete === 8 && sc.files[ih].complete === 0, 'scrape by string counts 8 leechers')
  a.send({ action: 'scrape', info_hash: [ih, otherSwarm, binaryId()] })
  const arr = await a.next(m => m.action === 'scrape' && Object.keys(m.files).length === 3)
  check(Object.keys(arr.files).length === 3, 'scrape by array answers every hash')
  check(arr.flags.min_request_interval === 10, 'min_request_interval is the HTTP interval (5 x --interval 2), as bittorrent-tracker derives it')
  const rawBefore = a.raw.length
  a.send({ action: 'scrape', info_hash: [ih, ih, otherSwarm, ih] })
  await a.next(m => m.action === 'scrape' && Object.keys(m.files).length === 2)
  const dupRaw = a.raw.slice(rawBefore).find(r => r.startsWith('{"action":"scrape"'))
  check(dupRaw.split(JSON.stringify(ih) + ':').length - 1 === 1, 'a hash repeated in a scrape array is answered once (no duplicate JSON keys)')
  a.send({ action: 'scrape' })
  const full = await a.next(m => m.action === 'scrape' && Object.keys(m.files).length === 2)
  check(full.files[otherSwarm] && full.files[ih], 'full scrape lists the live swarms')

  // --- many peer_ids on one connection; all leave when it closes
  const m = await client(s.ws('/announce'))
  const swarms = [binaryId(), binaryId(), binaryId()]
  for (const sw of swarms) for (let k = 0; k < 2; k++) m.send(announce(sw, binaryId('-PM0203-')))
  await until('6 replies', () => m.messages.filter(x => x.action === 'announce').length === 6)
  let st = await stats(s)
  const peersBefore = st.peers
  check(st.swarms >= 5, 'one connection joined 3 new swarms with 2 peer_ids each')
  m.close()
  await until('multi-id connection cleaned up', async () => (await stats(s)).peers === peersBefore - 6)
  st = await stats(s)
  check(!swarms.some(() => false) && st.swarms === 2, 'closing it removed all 6 peers and deleted its 3 swarms')

  // --- events: each of paused, update, absent, completed answered with an interval; invalid event refused
  for (const [event, extra] of [['paused', {}], ['update', {}], [undefined, {}], ['completed', { left: 0 }]]) {
    const from = a.messages.length
    a.send(announce(ih, pa, { event, ...extra }))
    const reply = await a.next(m => a.messages.indexOf(m) >= from && m.action === 'announce' && ('interval' in m || 'failure reason' in m))
    check(reply.interval === 2 && !reply['failure reason'] && reply.info_hash === ih, `event ${event ?? '(absent)'}: a reply carrying interval 2`)
  }
  await until('seeder', async () => (await stats(s)).seeders === 1)
  check(true, 'completed makes a seeder')
  a.send(announce(ih, pa, { event: 'bogus' }))
  const failure = await until('failure', () => a.raw.find(r => r.includes('failure reason')))
  check(failure === JSON.stringify({ action: 'announce', 'failure reason': 'invalid event', info_hash: ih }),
    'unknown event: failure reason with action and info_hash echoed')

  // --- failure reasons for bad ids and JSON, socket stays open
  const f = await client(s.ws('/announce'))
  f.send('{not json')
  f.send({ action: 'announce', info_hash: 'short', peer_id: pa })
  f.send({ action: 'announce', info_hash: '\u0100'.repeat(20), peer_id: pa })
  f.send({ action: 'dance', info_hash: ih })
  await until('4 failures', () => f.messages.length === 4)
  check(f.raw[0] === '{"action":"announce","failure reason":"invalid request: not JSON","info_hash":""}',
    'invalid JSON: failure reason with action "announce" and info_hash "" (bittorrent-tracker\'s client drops its socket without the one, throws without the other)')
  check(f.messages[1]['failure reason'] === 'invalid info_hash' && f.messages[1].action === 'announce', 'info_hash of 5 chars: invalid info_hash')
  check(f.messages[2]['failure reason'] === 'invalid info_hash' && f.messages[2].action === 'announce', 'info_hash with code points > U+00FF: invalid info_hash')
  check(f.messages[3]['failure reason'] === 'invalid action' && f.messages[3].action === 'announce', 'unknown action: invalid action, with action "announce"')
  check(!f.closed(), 'the connection stays open after a few bad messages')
  f.send('x')
  f.send('y')
  await until('abusive connection closed', () => f.closed())
  check(f.closed().code === 1008, 'after --max-bad-messages it is closed cleanly with 1008')

  const big = await client(s.ws('/announce'))
  big.send(JSON.stringify({ action: 'announce', pad: 'x'.repeat(70000) }))
  await until('too-large closed', () => big.closed())
  check(big.closed().code === 1009, 'a message over 64 KiB closes with 1009')

  // --- pings keep idle browsers alive; expiry after 2 x interval
  const idle = await client(s.ws('/announce'))
  let pings = 0
  idle.sock.on('ping', () => pings++)
  const idlePid = binaryId()
  const idleHash = binaryId()
  idle.send(announce(idleHash, idlePid))
  await idle.next(x => x.action === 'announce')
  await until('the idle peer expires', async () => {
    idle.messages.length = 0
    idle.send({ action: 'scrape', info_hash: idleHash })
    const r = await idle.next(x => x.action === 'scrape')
    return r.files[idleHash].incomplete === 0 && (await stats(s)).peers_expired >= 1
  }, 15000)
  check(true, 'a peer silent for 2 x interval expires and its swarm is deleted')
  await until('a ping', () => pings > 0, 10000)
  check(pings > 0 && !idle.closed(), 'the server pings an idle connection and keeps it open past the interval')

  // --- wrong frame type
  const bin = await client(s.ws('/announce'))
  bin.sock.send(Buffer.from([1, 2, 3]), { binary: true })
  const bf = await bin.next(x => x['failure reason'])
  check(/binary/.test(bf['failure reason']) && bf.action === 'announce', 'binary frame: failure reason with action "announce"')
  for (const c of [a, b, bin, idle, receiver, ...others.map(o => o.c)]) c.close()
  await until('all closed', async () => (await stats(s)).ws_connections === 0)
  st = await stats(s)
  check(st.peers === 0 && st.swarms === 0, 'every close cleaned up: no peers, no swarms')
  check((await s.stop()).code === 0, 'sigd exits 0')

  // --- Origin allow-list and info-hash allow-list with SIGHUP reload
  const allowFile = path.join(s.dir, 'allow.txt')
  const okHash = binaryId()
  const laterHash = binaryId()
  const hex = x => Buffer.from(x, 'latin1').toString('hex')
  fs.writeFileSync(allowFile, `# allowed\n${hex(okHash)}\n`)
  const g = await startSigd(['--allow-origin', 'https://viewer.example', '--allow-list', allowFile])
  let refused = false
  try { await client(g.ws('/announce'), { origin: 'https://evil.example' }) } catch { refused = true }
  check(refused, 'an upgrade from an Origin not on --allow-origin is refused')
  const good = await client(g.ws('/announce'), { origin: 'https://viewer.example' })
  good.send(announce(okHash, pa))
  good.send(announce(laterHash, pb))
  await until('2 replies', () => good.messages.length === 2)
  check(good.messages[0].interval === 120 && /not allowed/.test(good.messages[1]['failure reason']), 'allow-list: listed hash accepted, other refused')
  fs.writeFileSync(allowFile, `${hex(okHash)}\n${hex(laterHash)}\n`)
  g.proc.kill('SIGHUP')
  await until('reload logged', () => /allow-list reloaded/.test(g.stderr()))
  good.send(announce(laterHash, pb))
  await until('3 replies', () => good.messages.length === 3)
  check(good.messages[2].interval === 120, 'after SIGHUP the reloaded allow-list accepts the new hash')
  good.close()
  check((await g.stop()).code === 0, 'second sigd exits 0')

  // --- per-IP connection cap (released on close) and per-connection message rate
  const h = await startSigd(['--max-per-ip', '3', '--msg-rate', '1', '--msg-burst', '3'])
  const three = [await client(h.ws('/announce')), await client(h.ws('/announce')), await client(h.ws('/announce'))]
  let capped = false
  try { const extra = await client(h.ws('/announce')); await until('closed by cap', () => extra.closed(), 3000) } catch { capped = true }
  check(capped, 'a 4th connection from the same IP is refused with --max-per-ip 3')
  three[0].close()
  const again = await until('slot released', async () => { try { return await client(h.ws('/announce')) } catch { return false } })
  check(!again.closed(), 'closing one frees its slot for a new connection')
  for (let i = 0; i < 5; i++) again.send({ action: 'scrape', info_hash: ih })
  await until('3 replies', () => again.messages.length === 3)
  await sleep(500)
  check(again.messages.length === 3 && again.messages.every(x => x.action === 'scrape') && !again.closed(),
    'beyond --msg-burst, messages are dropped unread and unanswered, and the socket stays')
  for (const c of [...three, again]) c.close()
  await sleep(300)
  const hs = await until('stats', async () => { try { return await stats(h) } catch { return false } })
  check(hs.errors.ip_limit >= 1 && hs.errors.rate === 2, 'ip_limit and rate errors counted')
  check((await h.stop()).code === 0, 'third sigd exits 0')

  // --- --max-offers 2: an announce with 5 offers (numwant 5) reaches only 2 of 4 other peers
  const o = await startSigd(['--max-offers', '2'])
  const oh = binaryId()
  const receivers = []
  for (let i = 0; i < 4; i++) {
    const c = await client(o.ws('/announce'))
    c.send(announce(oh, binaryId('-PM0203-')))
    await c.next(x => x.action === 'announce' && x.interval === 120)
    receivers.push(c)
  }
  const sender = await client(o.ws('/announce'))
  const five = Array.from({ length: 5 }, (_, i) => ({ offer: { type: 'offer', sdp: `v=0 max-offers ${i}` }, offer_id: binaryId() }))
  sender.send(announce(oh, binaryId('-PM0203-'), { numwant: 5, offers: five }))
  await sender.next(x => x.action === 'announce' && x.interval === 120)
  await until('offers counted', async () => (await stats(o)).offers_relayed >= 2)
  await sleep(300)
  const relayed = receivers.flatMap(c => c.messages.filter(x => x.offer))
  check(relayed.length === 2 && new Set(relayed.map(x => x.offer_id)).size === 2 && (await stats(o)).offers_relayed === 2,
    `--max-offers 2 relays exactly 2 distinct offers of 5 (got ${relayed.length})`)
  for (const c of [...receivers, sender]) c.close()
  check((await o.stop()).code === 0, 'fourth sigd exits 0')
})
