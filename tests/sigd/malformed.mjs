// A generated corpus of >= 1,000 malformed tracker messages (bad JSON, wrong
// types, ids of every wrong length, code points > U+00FF, invalid UTF-8,
// deep nesting, huge arrays, unknown actions and events, oversize frames)
// thrown at sigd over many connections. sigd must answer or close cleanly,
// count every one, stay up and keep its memory bounded.
import crypto from 'node:crypto'
import { startSigd, client, check, main, until, stats, binaryId } from './lib.mjs'

function corpus () {
  const ih = binaryId()
  const pid = binaryId()
  const good = { action: 'announce', info_hash: ih, peer_id: pid, numwant: 5, left: 1, event: 'started', offers: [{ offer: { type: 'offer', sdp: 'v=0' }, offer_id: binaryId() }] }
  const text = JSON.stringify(good)
  const out = []
  // Truncations of a valid message at every length.
  for (let i = 0; i < text.length - 1; i++) out.push(text.slice(0, i))
  // Ids of every wrong length and with code points above U+00FF.
  for (const key of ['info_hash', 'peer_id']) {
    for (let n = 0; n <= 45; n++) if (n !== 20) out.push(JSON.stringify({ ...good, [key]: 'a'.repeat(n) }))
    for (const bad of ['\u0100', '\u20ac', '\ud83d\ude00', '\uffff']) out.push(JSON.stringify({ ...good, [key]: bad + 'a'.repeat(19) }))
  }
  // Wrong types for every field.
  const wrong = [null, 0, -1, 1e308, true, [], {}, [1, 2], 'str', { a: 1 }]
  for (const key of ['action', 'info_hash', 'peer_id', 'event', 'offers', 'answer', 'to_peer_id', 'offer_id']) {
    for (const w of wrong) out.push(JSON.stringify({ ...good, [key]: w }))
  }
  for (const w of wrong) {
    out.push(JSON.stringify({ ...good, offers: [w] }))
    out.push(JSON.stringify({ ...good, offers: [{ offer: w, offer_id: binaryId() }] }))
    out.push(JSON.stringify({ ...good, offers: [{ offer: { sdp: w }, offer_id: binaryId() }] }))
    out.push(JSON.stringify({ action: 'announce', info_hash: ih, peer_id: pid, answer: w, to_peer_id: binaryId(), offer_id: binaryId() }))
    out.push(JSON.stringify({ action: 'scrape', info_hash: [w] }))
  }
  // Events and actions that do not exist.
  for (const e of ['begin', 'STOPPED', 'start', ' ', 'completed ', '\u0000']) out.push(JSON.stringify({ ...good, event: e }))
  for (const a of ['', 'Announce', 'SCRAPE', 'offer', 'answer', 'ping', '__proto__']) out.push(JSON.stringify({ ...good, action: a }))
  // Not objects, deep nesting, huge numbers of keys/offers.
  out.push('null', 'true', '1', '"announce"', '[]', '{}', '', ' ', '\u0000', '{"action":"announce"}')
  for (let d = 9; d < 2000; d += 97) out.push('['.repeat(d) + ']'.repeat(d), '{"a":'.repeat(d) + '1' + '}'.repeat(d))
  out.push(JSON.stringify({ ...good, offers: Array.from({ length: 3000 }, () => 1) }))
  out.push(JSON.stringify({ action: 'scrape', info_hash: Array.from({ length: 3000 }, () => 'x') }))
  // Random bytes and random printable junk.
  for (let i = 0; i < 300; i++) out.push(crypto.randomBytes(1 + (i % 200)))
  for (let i = 0; i < 200; i++) out.push(crypto.randomBytes(1 + (i % 100)).toString('base64'))
  // Invalid UTF-8 inside an otherwise valid message (sent as a text frame).
  for (const seq of [[0xc3], [0xff], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80]]) {
    out.push(Buffer.concat([Buffer.from('{"action":"announce","info_hash":"'), Buffer.from(seq), Buffer.from('aaaaaaaaaaaaaaaaaaa","peer_id":"bbbbbbbbbbbbbbbbbbbb"}')]))
  }
  return out
}

main(async () => {
  const s = await startSigd(['--max-bad-messages', '50', '--msg-rate', '1000000', '--msg-burst', '1000000'])
  const messages = corpus()
  check(messages.length >= 1000, `corpus has ${messages.length} malformed messages`)
  const rssStart = (await stats(s)).rss_bytes
  let conns = 0
  let closedCleanly = 0
  let replies = 0
  for (let round = 0; round < 3; round++) {
    let i = 0
    while (i < messages.length) {
      const c = await client(s.ws('/announce'))
      conns++
      // Up to 50 bad messages per connection, then sigd closes it (1008).
      const batch = messages.slice(i, i + 60)
      for (const m of batch) c.sock.send(m, { binary: false })
      i += 60
      await until('close or replies', () => c.closed() || c.messages.length >= batch.length, 20000)
      replies += c.messages.length
      if (c.closed()) { if ([1008, 1009, 1007, 1002].includes(c.closed().code)) closedCleanly++ } else c.close()
    }
  }
  const st = await stats(s)
  check(!s.exited(), 'sigd is still running after the whole corpus, three times')
  check(st.errors_total >= 1000, `every malformed message was counted (errors_total ${st.errors_total})`)
  check(replies >= 1000, `sigd answered with failure reasons (${replies} replies)`)
  check(closedCleanly > 0, `abusive connections were closed cleanly (${closedCleanly} of ${conns})`)
  check(st.closed_for_abuse > 0, 'closed_for_abuse counted')
  const health = await fetch(s.url('/health'))
  check(health.status === 200, '/health still answers')
  const g = await client(s.ws('/announce'))
  g.send({ action: 'announce', info_hash: binaryId(), peer_id: binaryId(), event: 'started', numwant: 1, offers: [] })
  const r = await g.next(m => m.action === 'announce')
  check(r.interval === 120, 'a well-formed announce still works')
  g.close()
  await until('connections closed', async () => (await stats(s)).ws_connections === 0)
  const rssEnd = (await stats(s)).rss_bytes
  check(rssEnd - rssStart < 64 * 1024 * 1024, `memory bounded (RSS ${Math.round(rssStart / 1048576)} -> ${Math.round(rssEnd / 1048576)} MiB)`)
  check((await stats(s)).peers === 0, 'no peers left behind')
  check((await s.stop()).code === 0, 'sigd exits 0')
})
