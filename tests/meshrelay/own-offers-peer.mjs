// A viewer that makes no offers, run in node or in Chromium with the
// libraries p2p-media-loader's viewers run: bittorrent-tracker's client
// (which creates simple-peer connections) and p2p-media-loader-core's
// PeerProtocol, both passed in. It announces with numwant 0, so a
// connection can only come from an offer another peer made and the tracker
// relayed. It requests the newest segment the peer announces and resolves
// with who connected and what arrived (sha256 of the bytes).
const text = new TextEncoder();
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const fromHex = (h) => new TextDecoder().decode(Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16)));

export async function fetchThroughOffer({ Client, PeerProtocol, tracker, infoHash, wrtc, seconds = 30 }) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const peerId = `-PM0203-${Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => alphabet[b % 62]).join('')}`;
  const result = { viewer: peerId, offers_answered: 0, peer: null, segment: null, size: null, bytes: 0, sha256: null,
    offer_s: null, connected_s: null, segment_s: null }; // seconds after the announce
  const started = performance.now();
  const since = () => Math.round(performance.now() - started) / 1000;
  const client = new Client({
    infoHash: text.encode(infoHash),
    peerId: text.encode(peerId),
    announce: [tracker],
    port: 6881, // required in node, unused by a ws:// tracker
    wrtc,
    getAnnounceOpts: () => ({ numwant: 0 }), // no offers of its own
    // p2p-media-loader's default STUN servers are out of reach here: host
    // candidates only, or each answer waits for simple-peer's 5 s ICE timeout.
    rtcConfig: { iceServers: [] },
  });
  const ok = await new Promise((resolve) => {
    setTimeout(() => resolve(false), seconds * 1000);
    client.on('warning', (err) => console.error(`viewer warning: ${err.message}`));
    client.on('error', (err) => console.error(`viewer error: ${err.message}`));
    client.on('peer', (connection) => {
      result.offers_answered++;
      result.offer_s ??= since();
      connection.on('error', (err) => console.error(`peer error: ${err.message}`));
      connection.once('connect', () => fetchNewest(connection, resolve));
    });
    client.start();
  });
  client.destroy();
  return { ok, ...result };

  function fetchNewest(connection, resolve) {
    if (result.peer) return connection.destroy();
    result.peer = fromHex(connection.id);
    result.connected_s = since();
    const chunks = [];
    const protocol = new PeerProtocol(connection, { webRtcMaxMessageSize: 64 * 1024 - 1 }, {
      onSegmentChunkReceived: (data) => chunks.push(new Uint8Array(data)),
      onCommandReceived: async (command) => {
        if (command.c === 0 && result.segment === null && command.l?.length) {
          result.segment = Math.max(...command.l);
          protocol.sendCommand({ c: 1, i: result.segment, r: 1 });
        } else if (command.c === 2) {
          result.size = command.s;
        } else if (command.c === 3) {
          const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
          chunks.reduce((at, c) => (data.set(c, at), at + c.length), 0);
          result.bytes = data.length;
          result.segment_s = since();
          result.sha256 = hex(new Uint8Array(await crypto.subtle.digest('SHA-256', data)));
          resolve(result.bytes === result.size);
        } else if (command.c === 4) {
          console.error(`the peer has no segment ${command.i}`);
          resolve(false);
        }
      },
    }, { getEventDispatcher: () => () => {} });
  }
}
