// /publish (events into the feed): off unless a token is set, the token from
// --publish-token or SIGD_PUBLISH_TOKEN, wrong / near-miss / over-long tokens
// refused, and the token never written to stderr, /stats.json or /metrics,
// even with debug logging and a refused request carrying it in its URL.
import { startSigd, client, check, main, until, stats, getOnce } from './lib.mjs'

async function refused (url, opts) {
  try { (await client(url, opts)).close() } catch { return true }
  return false
}

main(async () => {
  const off = await startSigd(['--events-stdin'], { stdin: true, env: { SIGD_PUBLISH_TOKEN: '' } })
  check(await refused(off.ws('/publish')), 'without a token set, /publish without a token is refused')
  check(await refused(off.ws('/publish?token=')), 'without a token set, an empty ?token= is refused')
  check(await refused(off.ws('/publish'), { headers: { Authorization: 'Bearer ' } }), 'without a token set, an empty Bearer is refused')
  check((await stats(off)).errors.publish_auth === 3, 'each refusal is counted (errors.publish_auth)')
  check((await off.stop()).code === 0, 'sigd without a token exits 0')

  const token = 'pub-' + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2)
  const s = await startSigd(['--events-stdin', '--log-level', 'debug'], { stdin: true, env: { SIGD_PUBLISH_TOKEN: token } })
  const feed = await client(s.ws('/events'))
  for (const wrong of [token.slice(0, -1), token + 'x', token.toUpperCase(), 'x'.repeat(4000), token + '&token=' + token]) {
    check(await refused(s.ws('/publish?token=' + encodeURIComponent(wrong))), `a near-miss token (${wrong.length} chars) is refused`)
  }
  check(await refused(s.ws('/publish'), { headers: { Authorization: 'Basic ' + token } }), 'the token as Basic, not Bearer, is refused')
  const pub = await client(s.ws('/publish?token=' + encodeURIComponent(token)))
  pub.send(JSON.stringify({ event: 'segment', msn: 1, via: 'publish' }))
  await until('published event relayed', () => feed.messages.some(m => m.via === 'publish'))
  check(true, 'the token from SIGD_PUBLISH_TOKEN (as ?token=) opens /publish and its events reach /events')
  pub.close()
  const seen = [s.stderr(), (await getOnce(s, '/stats.json')).body.toString(), (await getOnce(s, '/metrics')).body.toString()].join('\n')
  check(s.stderr().includes('refused a /publish connection'), 'refusals are logged')
  check(!seen.includes(token) && !seen.includes(token.slice(0, -1)), 'the token (and near misses of it) never appear in logs, /stats.json or /metrics')
  feed.close()
  check((await s.stop()).code === 0, 'sigd exits 0')
})
