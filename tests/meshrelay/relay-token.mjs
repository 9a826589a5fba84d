// sigd --relay-token against WebSocket clients speaking the WebTorrent
// tracker protocol: in a swarm of a relay and 3 other peers, each of 10
// viewers announcing one offer must reach the relay; a peer with a wrong
// token gets only its random share.
//   node relay-token.mjs ws://127.0.0.1:PORT/announce TOKEN
import WebSocket from 'ws';

const [url, token] = process.argv.slice(2);
const id = (prefix) => (prefix + Math.random().toString(36).slice(2) + 'xxxxxxxxxxxxxxxxxxxx').slice(0, 20);
const open = () => new Promise((resolve, reject) => {
  const ws = new WebSocket(url);
  ws.offers = 0;
  ws.on('message', (m) => { if (JSON.parse(m).offer) ws.offers++; });
  ws.on('open', () => resolve(ws));
  ws.on('error', reject);
});
const announce = (ws, fields) => new Promise((resolve) => {
  ws.send(JSON.stringify({ action: 'announce', numwant: 1, uploaded: 0, downloaded: 0, event: 'started', ...fields }));
  setTimeout(resolve, 50);
});

async function round(relayToken) {
  const infoHash = id('ih');
  const relay = await open();
  await announce(relay, { info_hash: infoHash, peer_id: id('-MR0100-'), offers: [], relay_token: relayToken });
  for (let k = 0; k < 3; k++) await announce(await open(), { info_hash: infoHash, peer_id: id('-PM0203-'), offers: [] });
  for (let k = 0; k < 10; k++) {
    const viewer = await open();
    await announce(viewer, { info_hash: infoHash, peer_id: id('-PM0203-'),
      offers: [{ offer: { type: 'offer', sdp: 'v=0 fake' }, offer_id: id('o') }] });
  }
  await new Promise((r) => setTimeout(r, 300));
  return relay.offers;
}

const withToken = await round(token);
const wrongToken = await round(`${token}-wrong`);
console.log(`offers reaching the relay: ${withToken}/10 with the token, ${wrongToken}/10 with a wrong one`);
process.exit(withToken === 10 && wrongToken < 10 ? 0 : 1);
