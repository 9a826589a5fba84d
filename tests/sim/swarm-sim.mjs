// A simulation of one live HLS swarm of p2p-media-loader viewers with a
// WebTorrent tracker, from the live edge to the players' buffers.
//
//   node tests/sim/swarm-sim.mjs [--viewers 12] [--latency 20] [--seconds 600] ...
//   node tests/sim/swarm-sim.mjs --help
//
// Events (a time-ordered queue): segments published at the origin, playlist
// reloads, tracker announces (offers to random peers, answered after an ICE
// delay), p2p-media-loader's random HTTP fetch timer, joins and leaves. The
// network is a fluid model advanced every --tick seconds: each transfer gets
// its sender's upload and its receiver's download shared equally among their
// transfers, and everything on the venue Wi-Fi shares its airtime (a P2P
// transfer between two Wi-Fi clients crosses it twice, an HTTP fetch once).
//
// The viewer's scheduling follows p2p-media-loader 2.3's hybrid loader
// (hybrid-loader.ts processQueue / loadRandomThroughHttp):
//   - inside the high-demand window (hdtw seconds ahead of the playhead) a
//     segment not yet stored goes to HTTP while an HTTP slot is free, and a
//     P2P download of it is abandoned for HTTP;
//   - ahead of it, a segment loads from a connected peer that has it stored,
//     at most simultaneousP2PDownloads at once, one per peer;
//   - every 1 + rand × peers seconds a viewer fetches, with probability
//     count / (peers + 1), segments that no connected peer has or is loading
//     (the swarm's seeds);
//   - peers learn what a viewer holds or is loading over HTTP at once.
// A relay (issue 19) is a wired peer near the live edge that fetches every
// segment over HTTP as soon as it is listed and uploads at its own capacity.
//
// Output: one JSON object (the figures) on stdout.
import { parseArgs } from 'node:util';

const spec = {
  viewers: { type: 'string', default: '12', help: 'viewers watching at once' },
  latency: { type: 'string', default: '20', help: 'seconds behind live' },
  hdtw: { type: 'string', default: '', help: 'high-demand window, s (default: the viewer page\'s rule)' },
  seconds: { type: 'string', default: '300', help: 'simulated seconds (measured after --warmup)' },
  warmup: { type: 'string', default: '60', help: 'seconds before measuring (all joined, mesh built)' },
  'segment-seconds': { type: 'string', default: '2', help: 'target duration' },
  'segment-bytes': { type: 'string', default: '230000', help: 'bytes per segment' },
  'http-latency': { type: 'string', default: '0.05', help: 'time to first byte of an HTTP fetch, s' },
  'p2p-latency': { type: 'string', default: '0.05', help: 'time to first byte of a P2P request, s' },
  'ice-delay': { type: 'string', default: '0.6', help: 'offer relayed → data channel open, s' },
  'join-spread': { type: 'string', default: '30', help: 'initial viewers join over this many seconds' },
  interval: { type: 'string', default: '120', help: 'tracker announce interval, s (sigd --interval)' },
  offers: { type: 'string', default: '5', help: 'offers per announce (client: min(numwant, 5); tracker max-offers)' },
  'max-peers': { type: 'string', default: '0', help: 'cap on connections per viewer (0: none, as p2p-media-loader)' },
  'sim-http': { type: 'string', default: '2', help: 'simultaneousHttpDownloads' },
  'sim-p2p': { type: 'string', default: '3', help: 'simultaneousP2PDownloads' },
  'up-mbps': { type: 'string', default: '1000', help: 'per-viewer upload, Mbit/s' },
  'down-mbps': { type: 'string', default: '1000', help: 'per-viewer download, Mbit/s' },
  'wifi-mbps': { type: 'string', default: '0', help: 'shared Wi-Fi airtime, Mbit/s (0: no shared limit)' },
  'origin-mbps': { type: 'string', default: '0', help: 'origin/CDN → venue, Mbit/s (0: no limit)' },
  'watch-minutes': { type: 'string', default: '0', help: 'mean time a viewer stays (0: no churn); each leaver is replaced' },
  relays: { type: 'string', default: '0', help: 'relay nodes (issue 19): wired, fetch every segment early' },
  'relay-up-mbps': { type: 'string', default: '100', help: 'upload of each relay, Mbit/s' },
  'relay-max-peers': { type: 'string', default: '50', help: 'peers a relay serves at once (meshrelay --max-peers)' },
  'relay-first': { type: 'boolean', default: false, help: 'offers go to the relays first (sigd --relay-token), not only at random' },
  tick: { type: 'string', default: '0.05', help: 'network step, s' },
  seed: { type: 'string', default: '1', help: 'random seed' },
  help: { type: 'boolean', default: false, help: 'this text' },
};

function usage() {
  const lines = Object.entries(spec).map(([k, v]) => `  --${k.padEnd(16)} ${v.help}${v.default !== '' && v.type === 'string' ? ` (${v.default})` : ''}`);
  return `usage: node tests/sim/swarm-sim.mjs [options]\n${lines.join('\n')}\n`;
}

export function parseOptions(argv) {
  const { values } = parseArgs({ args: argv, options: Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, { type: v.type, default: v.default }])) });
  if (values.help) return { help: true };
  const o = {};
  for (const [k, v] of Object.entries(values)) {
    if (spec[k].type !== 'string') continue;
    const key = k.replace(/-(.)/g, (_, c) => c.toUpperCase());
    if (v === '') { o[key] = undefined; continue; }
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${k} ${v}: want a number ≥ 0`);
    o[key] = n;
  }
  o.relayFirst = Boolean(values['relay-first']);
  if (o.viewers < 1 || !Number.isInteger(o.viewers)) throw new Error(`--viewers ${o.viewers}: want a whole number ≥ 1`);
  if (o.tick <= 0) throw new Error('--tick must be > 0');
  // The viewer page's rule (www/settings.js highDemandWindow).
  if (o.hdtw === undefined) o.hdtw = Math.max(o.segmentSeconds, Math.min(15, o.latency - 7 * o.segmentSeconds, o.latency * 0.3));
  return o;
}

// Small, seedable PRNG (mulberry32): runs are reproducible.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class EventQueue {
  #heap = [];
  #n = 0;
  push(t, fn) {
    const h = this.#heap;
    h.push({ t, k: this.#n++, fn });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.#less(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }
  peekTime() { return this.#heap.length ? this.#heap[0].t : Infinity; }
  pop() {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l], h[m])) m = l;
        if (r < h.length && this.#less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
  #less(a, b) { return a.t < b.t || (a.t === b.t && a.k < b.k); }
}

const MBPS = 1e6 / 8; // bytes per second in one Mbit/s

// One viewer (or relay): its player, its p2p-media-loader, its connections.
function makeViewer(id, sim, { relay = false } = {}) {
  const o = sim.o;
  return {
    id, relay, alive: true, joinedAt: sim.t,
    up: (relay ? o.relayUpMbps : o.upMbps) * MBPS, down: (relay ? 1000 : o.downMbps) * MBPS, wifi: !relay,
    latency: relay ? o.segmentSeconds : o.latency, hdtw: relay ? 0 : o.hdtw,
    position: null, rate: 1, firstPlayAt: null, stalled: false, stalls: 0,
    known: -1, stored: new Set(), loading: new Map(), // sn → transfer
    peers: new Set(), busyPeers: new Set(), httpActive: 0, p2pActive: 0, uploads: 0, downloads: 0,
    httpBytes: 0, p2pBytes: 0, upBytes: 0, httpEarly: 0, httpUrgent: 0, p2pAborted: 0, p2pFailed: 0,
  };
}

export class Swarm {
  constructor(o) {
    this.o = o;
    this.t = 0;
    this.random = rng(o.seed);
    this.events = new EventQueue();
    this.viewers = new Map();
    this.nextId = 0;
    this.transfers = new Set();
    this.listed = -1; // newest segment in the origin's playlist
    this.dirty = new Set();
    this.m = { on: false, from: 0, httpFetches: 0, httpBytes: 0, p2pBytes: 0, segments: 0, stalls: 0,
      messages: 0, announces: 0, httpEarly: 0, httpUrgent: 0, p2pAborted: 0, p2pFailed: 0, joins: 0, leaves: 0,
      wifiBusy: 0, ticks: 0, peerSamples: 0, peerSum: 0 };
  }

  at(delay, fn) { this.events.push(this.t + delay, fn); }
  segStart(sn) { return sn * this.o.segmentSeconds; }
  liveEdge() { return (this.listed + 1) * this.o.segmentSeconds; }

  // ---- origin: a segment a target duration; the player measures its
  // distance to live from the playlist, so the origin's delay cancels out
  publish(sn) {
    this.listed = sn;
    if (this.m.on) this.m.segments += 1;
    for (const v of this.viewers.values()) {
      // hls.js reloads the live playlist about once a target duration.
      const reload = v.relay ? 0.1 : this.random() * this.o.segmentSeconds;
      this.at(reload, () => { if (v.alive && sn > v.known) { v.known = sn; this.dirty.add(v); } });
    }
    this.at(this.o.segmentSeconds, () => this.publish(sn + 1));
  }

  // ---- viewers come and go
  join({ relay = false } = {}) {
    const v = makeViewer(this.nextId++, this, { relay });
    this.viewers.set(v.id, v);
    if (this.m.on) this.m.joins += 1;
    v.known = this.listed;
    v.position = Math.max(0, this.liveEdge() - v.latency);
    this.at(0.2 + this.random() * 0.3, () => this.announce(v));
    this.at(1, () => this.randomHttpTimer(v));
    const watch = this.o.watchMinutes;
    if (watch > 0 && !relay) this.at(-Math.log(1 - this.random()) * watch * 60, () => { this.leave(v); this.join(); });
    this.dirty.add(v);
    return v;
  }

  leave(v) {
    if (!v.alive) return;
    v.alive = false;
    if (this.m.on) this.m.leaves += 1;
    this.m.messages += 2; // stopped announce and its reply... the socket closes
    for (const tr of [...this.transfers]) if (tr.from === v || tr.to === v) this.endTransfer(tr, false);
    for (const pid of v.peers) { const p = this.viewers.get(pid); if (p) { p.peers.delete(v.id); p.busyPeers.delete(v.id); this.dirty.add(p); } }
    this.viewers.delete(v.id);
  }

  // ---- tracker: offers to random other members, answered after ICE
  announce(v) {
    if (!v.alive) return;
    const others = [...this.viewers.values()].filter((p) => p !== v && p.alive);
    const k = Math.min(this.o.offers, others.length);
    // sigd with a relay token: the swarm's relays get the offers first.
    const first = this.o.relayFirst && !v.relay ? others.filter((p) => p.relay).slice(0, k) : [];
    for (const p of first) this.at(this.o.iceDelay, () => this.connect(v, p));
    const rest = first.length ? others.filter((p) => !p.relay) : others;
    const random = Math.min(k - first.length, rest.length);
    for (let i = 0; i < random; i++) { // partial Fisher-Yates: random receivers
      const j = i + Math.floor(this.random() * (rest.length - i));
      [rest[i], rest[j]] = [rest[j], rest[i]];
      const p = rest[i];
      this.at(this.o.iceDelay, () => this.connect(v, p));
    }
    // announce in, reply and offers out; an answer (in, relayed out) only
    // from a peer not yet connected: p2p-media-loader drops the others.
    this.m.messages += 2 + k;
    if (this.m.on) this.m.announces += 1;
    this.at(this.o.interval, () => this.announce(v));
  }

  connect(a, b) {
    if (!a.alive || !b.alive || a.peers.has(b.id)) return;
    const cap = this.o.maxPeers;
    if (cap > 0 && (a.peers.size >= cap || b.peers.size >= cap)) return;
    // A relay refuses offers beyond its --max-peers.
    if ((a.relay && a.peers.size >= this.o.relayMaxPeers) || (b.relay && b.peers.size >= this.o.relayMaxPeers)) return;
    this.m.messages += 2;
    a.peers.add(b.id); b.peers.add(a.id);
    this.dirty.add(a); this.dirty.add(b);
  }

  peersOf(v) { return [...v.peers].map((id) => this.viewers.get(id)).filter(Boolean); }

  // ---- p2p-media-loader's loader --------------------------------------------
  // What connected peers announce: stored ("loaded") or loading over HTTP.
  heldBySome(v, sn, loadedOnly) {
    for (const id of v.peers) {
      const p = this.viewers.get(id);
      if (!p) continue;
      if (p.stored.has(sn)) return true;
      if (!loadedOnly && p.loading.get(sn)?.http) return true;
    }
    return false;
  }

  // Segments p2p-media-loader would queue: from the one at the playhead to the newest listed.
  queue(v) {
    const D = this.o.segmentSeconds;
    const first = Math.max(0, Math.floor(v.position / D));
    const q = [];
    for (let sn = first; sn <= v.known; sn++) if (!v.stored.has(sn)) q.push(sn);
    return q;
  }

  highDemand(v, sn) { return this.segStart(sn) - v.position <= v.hdtw * v.rate; }

  processQueue(v) {
    const o = this.o;
    for (const sn of this.queue(v)) {
      const tr = v.loading.get(sn);
      if (v.relay) { // a relay takes every segment from HTTP at once
        if (!tr && v.httpActive < o.simHttp) this.startHttp(v, sn, false);
        continue;
      }
      if (this.highDemand(v, sn)) {
        if (tr) {
          if (!tr.http && v.httpActive < o.simHttp) {
            this.endTransfer(tr, false, 'aborted');
            this.startHttp(v, sn, true);
          }
          continue;
        }
        if (v.httpActive < o.simHttp) { this.startHttp(v, sn, true); continue; }
        if (v.p2pActive < o.simP2p) this.startP2P(v, sn);
      } else if (!tr && v.p2pActive < o.simP2p) {
        this.startP2P(v, sn);
      }
    }
  }

  // loadRandomThroughHttp, on its timer of 1 + rand × peers seconds.
  randomHttpTimer(v) {
    if (!v.alive) return;
    const peers = v.peers.size;
    this.at(1 + this.random() * peers, () => this.randomHttpTimer(v));
    if (v.relay || v.httpActive >= this.o.simHttp || peers === 0) return;
    const candidates = this.queue(v).filter((sn) => !v.loading.has(sn) && !this.heldBySome(v, sn, false));
    if (!candidates.length) return;
    const count = Math.min(candidates.length, this.o.simHttp * (peers + 1));
    const order = Array.from({ length: count }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(this.random() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
    let probability = count / (peers + 1);
    for (const i of order) {
      if (v.httpActive >= this.o.simHttp) break;
      if (probability >= 1 || this.random() <= probability) this.startHttp(v, candidates[i], false);
      probability -= 1;
      if (probability <= 0) break;
    }
  }

  startHttp(v, sn, urgent) {
    const tr = { http: true, from: null, to: v, sn, left: this.o.segmentBytes, startAt: this.t + this.o.httpLatency };
    v.loading.set(sn, tr); v.httpActive += 1; v.downloads += 1;
    this.transfers.add(tr);
    if (!v.relay) { if (urgent) v.httpUrgent += 1; else v.httpEarly += 1; }
    if (this.m.on) { this.m.httpFetches += v.relay ? 0 : 1; this.m[urgent ? 'httpUrgent' : 'httpEarly'] += v.relay ? 0 : 1; }
    for (const p of this.peersOf(v)) this.dirty.add(p); // announced as loading over HTTP
  }

  startP2P(v, sn) {
    const holders = this.peersOf(v).filter((p) => p.stored.has(sn) && !v.busyPeers.has(p.id));
    if (!holders.length) return;
    const from = holders[Math.floor(this.random() * holders.length)];
    const tr = { http: false, from, to: v, sn, left: this.o.segmentBytes, startAt: this.t + this.o.p2pLatency };
    v.loading.set(sn, tr); v.p2pActive += 1; v.downloads += 1; from.uploads += 1;
    v.busyPeers.add(from.id);
    this.transfers.add(tr);
  }

  endTransfer(tr, ok, why = 'failed') {
    if (!this.transfers.delete(tr)) return;
    const v = tr.to;
    v.loading.delete(tr.sn); v.downloads -= 1;
    if (tr.http) v.httpActive -= 1;
    else {
      v.p2pActive -= 1; tr.from.uploads -= 1; v.busyPeers.delete(tr.from.id);
      if (!ok) { v[why === 'aborted' ? 'p2pAborted' : 'p2pFailed'] += 1; if (this.m.on) this.m[why === 'aborted' ? 'p2pAborted' : 'p2pFailed'] += 1; }
    }
    if (ok) {
      v.stored.add(tr.sn);
      for (const p of this.peersOf(v)) this.dirty.add(p); // announced as loaded
    }
    this.dirty.add(v);
  }

  // ---- the network: a fluid step of `dt` seconds ---------------------------
  stepNetwork(dt) {
    const active = [...this.transfers].filter((tr) => tr.startAt <= this.t);
    let air = 0, origin = 0;
    for (const tr of active) {
      const v = tr.to;
      let rate = v.down / Math.max(1, v.downloads);
      if (!tr.http) rate = Math.min(rate, tr.from.up / Math.max(1, tr.from.uploads));
      tr.rate = rate;
      tr.air = (v.wifi ? 1 : 0) + (!tr.http && tr.from.wifi ? 1 : 0);
      air += rate * tr.air;
      if (tr.http) origin += rate;
    }
    const wifi = this.o.wifiMbps * MBPS, originCap = this.o.originMbps * MBPS;
    const airScale = wifi > 0 && air > wifi ? wifi / air : 1;
    const originScale = originCap > 0 && origin > originCap ? originCap / origin : 1;
    if (this.m.on) { this.m.ticks += 1; if (airScale < 1) this.m.wifiBusy += 1; }
    for (const tr of active) {
      const rate = tr.rate * (tr.air ? airScale : 1) * (tr.http ? originScale : 1);
      const bytes = Math.min(tr.left, rate * dt);
      tr.left -= bytes;
      const v = tr.to;
      if (tr.http) { v.httpBytes += bytes; if (this.m.on && !v.relay) this.m.httpBytes += bytes; }
      else { v.p2pBytes += bytes; tr.from.upBytes += bytes; if (this.m.on && !v.relay) this.m.p2pBytes += bytes; }
      if (tr.left <= 0) this.endTransfer(tr, true);
    }
  }

  // ---- the player -----------------------------------------------------------
  stepPlayback(v, dt) {
    if (v.relay) { v.position = Math.max(v.position, this.liveEdge() - v.latency); return; }
    const D = this.o.segmentSeconds;
    const sn = Math.floor(v.position / D + 1e-9);
    if (!v.stored.has(sn)) {
      if (!v.stalled && v.firstPlayAt !== null) { v.stalls += 1; if (this.m.on) this.m.stalls += 1; }
      v.stalled = true;
      return;
    }
    if (v.firstPlayAt === null) v.firstPlayAt = this.t;
    v.stalled = false;
    // hls.js catches up at up to 1.1× when it fell behind its target.
    v.rate = this.liveEdge() - v.position > v.latency + this.o.segmentSeconds ? 1.1 : 1;
    const next = v.position + v.rate * dt;
    v.position = v.stored.has(Math.floor(next / D + 1e-9)) ? next : Math.min(next, (sn + 1) * D);
    // The store drops what the playhead passed more than the high-demand window ago.
    for (const s of v.stored) if ((s + 1) * D < v.position - Math.max(v.hdtw, 2 * D)) v.stored.delete(s);
  }

  // ---- one run ----------------------------------------------------------------
  run() {
    const o = this.o;
    const D = o.segmentSeconds;
    // The stream has been live for a while when the first viewer comes.
    this.at(0, () => this.publish(0));
    const t0 = o.latency + 4 * D;
    for (let i = 0; i < o.relays; i++) this.at(t0 - 1, () => this.join({ relay: true }));
    for (let i = 0; i < o.viewers; i++) this.at(t0 + (o.viewers > 1 ? (i / (o.viewers - 1)) * o.joinSpread : 0), () => this.join());
    const measureFrom = t0 + o.joinSpread + o.warmup;
    const end = measureFrom + o.seconds;
    let nextProcessAll = 0;
    let messagesAtStart = 0;
    while (this.t < end) {
      while (this.events.peekTime() <= this.t) this.events.pop().fn();
      if (!this.m.on && this.t >= measureFrom) { this.m.on = true; this.m.from = this.t; messagesAtStart = this.m.messages; }
      this.stepNetwork(o.tick);
      for (const v of this.viewers.values()) this.stepPlayback(v, o.tick);
      // p2p-media-loader re-runs its queue on every playback update (~4/s)
      // and at once when a peer announces or a download ends.
      if (this.t >= nextProcessAll) { for (const v of this.viewers.values()) this.dirty.add(v); nextProcessAll = this.t + 0.25; }
      const dirty = [...this.dirty];
      this.dirty.clear();
      for (const v of dirty) if (v.alive) this.processQueue(v);
      if (this.m.on && Math.round(this.t / o.tick) % Math.round(1 / o.tick) === 0) {
        for (const v of this.viewers.values()) if (!v.relay) { this.m.peerSamples += 1; this.m.peerSum += v.peers.size; }
      }
      this.t += o.tick;
    }
    return this.figures(this.t - this.m.from, this.m.messages - messagesAtStart);
  }

  figures(seconds, messages) {
    const m = this.m;
    const viewerSeconds = this.o.viewers * seconds;
    const total = m.httpBytes + m.p2pBytes;
    return {
      viewers: this.o.viewers, relays: this.o.relays, latency: this.o.latency, hdtw: this.o.hdtw, seconds,
      p2pShare: total ? m.p2pBytes / total : 0,
      httpFetchesPerSegment: m.segments ? m.httpFetches / m.segments : 0,
      httpEarlyPerSegment: m.segments ? m.httpEarly / m.segments : 0,
      httpUrgentPerSegment: m.segments ? m.httpUrgent / m.segments : 0,
      cdnMBPerViewerMinute: m.httpBytes / 1e6 / (viewerSeconds / 60),
      cdnGBPerViewerHour: m.httpBytes / 1e9 / (viewerSeconds / 3600),
      stalls: m.stalls, stallsPerViewerHour: m.stalls / (viewerSeconds / 3600),
      meanPeers: m.peerSamples ? m.peerSum / m.peerSamples : 0,
      trackerMessagesPerSecond: messages / seconds,
      wifiSaturatedShare: m.ticks ? m.wifiBusy / m.ticks : 0,
      p2pAborted: m.p2pAborted, p2pFailed: m.p2pFailed, joins: m.joins, leaves: m.leaves,
    };
  }
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  let o;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`swarm-sim: ${err.message}\n${usage()}`);
    process.exit(64);
  }
  if (o.help) { process.stdout.write(usage()); process.exit(0); }
  process.stdout.write(`${JSON.stringify(new Swarm(o).run())}\n`);
}
