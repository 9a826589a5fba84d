// The live event feed: --events-stdin, /events subscribers (backlog of the
// last --feed-backlog segment events first), /publish with a token, and a
// slow subscriber dropped instead of growing memory.
import { startSigd, client, check, main, until, stats, sleep } from './lib.mjs'

main(async () => {
  const token = 'tok-' + Math.random().toString(36).slice(2)
  const s = await startSigd(['--events-stdin', '--feed-backlog', '60', '--publish-token', token, '--send-queue', String(4 << 20)], { stdin: true })
  const seg = msn => JSON.stringify({ event: 'segment', msn, uri: `seg${msn}.ts`, magnet: `magnet:?xt=urn:btih:${String(msn).padStart(40, '0')}` }) + '\n'
  for (let i = 0; i < 70; i++) s.proc.stdin.write(seg(i))
  s.proc.stdin.write(JSON.stringify({ event: 'playlist', msn: 10, segments: 60 }) + '\n')
  s.proc.stdin.write('this is not json\n')
  await until('71 events read', async () => (await stats(s)).feed_events === 71)
  check(/line 72/.test(s.stderr()) || /not valid JSON|bad/i.test(s.stderr()), 'a bad stdin line is reported and skipped')

  const late = await client(s.ws('/events'))
  await until('backlog', () => late.messages.length === 60)
  check(late.messages[0].msn === 10 && late.messages[59].msn === 69 && late.messages.every(m => m.event === 'segment'),
    'a late subscriber first gets the last 60 segment events (msn 10..69), nothing else')
  s.proc.stdin.write(seg(70))
  await until('live event', () => late.messages.length === 61)
  check(late.messages[60].msn === 70 && late.messages[60].magnet, 'then live events as they arrive, fields intact')

  let refused = false
  try { await client(s.ws('/publish?token=wrong')) } catch { refused = true }
  check(refused, '/publish with a wrong token is refused')
  const pub = await client(s.ws('/publish'), { headers: { Authorization: `Bearer ${token}` } })
  pub.send(JSON.stringify({ event: 'segment', msn: 71, remote: true }) + '\n' + JSON.stringify({ event: 'end' }))
  await until('published events', () => late.messages.length === 63)
  check(late.messages[61].remote === true && late.messages[62].event === 'end', '/publish with the token relays every event of a message')
  pub.send('{"no_event_field":1}')
  await until('bad published event counted', async () => (await stats(s)).errors.feed_bad_event === 1)
  check(true, 'a published line without "event" is counted, not relayed')

  // A subscriber that stops reading: its queue passes --send-queue and it is dropped.
  const slow = await client(s.ws('/events'))
  await until('slow got backlog', () => slow.messages.length >= 60)
  slow.sock._socket.pause()
  const bigPad = 'x'.repeat(20000)
  for (let i = 0; i < 1500; i++) {
    s.proc.stdin.write(JSON.stringify({ event: 'note', i, pad: bigPad }) + '\n')
    if (i % 50 === 49) await sleep(50)  // ~1 MB per 50 ms: a reading subscriber keeps up
  }
  await until('slow subscriber dropped', async () => (await stats(s)).feed_dropped >= 1, 30000)
  const st = await stats(s)
  check(st.feed_dropped >= 1 && st.errors.send_queue >= 1, 'the slow subscriber was dropped once its queue passed --send-queue')
  check(st.rss_bytes < 200 * 1024 * 1024, `memory stayed bounded (RSS ${Math.round(st.rss_bytes / 1048576)} MiB)`)
  await until('fast subscriber got everything', () => late.messages.length === 63 + 1500, 30000)
  check(!late.closed(), 'the subscriber that keeps reading stays connected and got all 1500 events')
  s.proc.stdin.end()
  await sleep(200)
  check(!s.exited(), 'stdin ending does not stop sigd')
  late.close()
  check((await s.stop()).code === 0, 'sigd exits 0')
})
