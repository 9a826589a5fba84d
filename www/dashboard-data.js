// The dashboard's arithmetic, without the DOM (node-tested): sigd's
// /delivery.json history into chart columns, and what P2P saved.

// Published prices the defaults come from: origin egress $0.09/GB (the
// seeds' cloud bill); Cloudflare R2: egress free, Class B (read) operations
// $0.36 per million (developers.cloudflare.com/r2/pricing, 2025).
export const DEFAULT_PRICES = { egress: 0.09, cdn_egress: 0, read: 0.36, segment_mb: 1 };

export function readPrices(search) {
  const q = new URLSearchParams(search);
  const prices = { ...DEFAULT_PRICES };
  for (const k of Object.keys(prices)) {
    const v = Number(q.get(k));
    if (q.get(k) !== null && q.get(k) !== '' && Number.isFinite(v) && v >= 0) prices[k] = v;
  }
  return prices;
}

export const seriesKey = (s) => `${s.stream}\n${s.rendition}`;
export const seriesLabel = (s) => (s.rendition ? `${s.stream} [${s.rendition}]` : s.stream);

// uPlot columns: [time (s), share %, viewers, peers B/s, CDN B/s, origin B/s,
// relays B/s (a part of peers: what relays said they served)].
export function chartColumns(history, stream, nowS) {
  const cols = [[], [], [], [], [], [], []];
  const bucket = history.bucket_s || 10;
  const idx = Object.fromEntries((history.columns || []).map((c, i) => [c, i]));
  for (const p of stream?.points ?? []) {
    cols[0].push(Math.round(nowS - p[idx.ago_s]));
    const total = p[idx.p2p] + p[idx.cdn] + p[idx.origin] + p[idx.other];
    cols[1].push(total ? Math.round(p[idx.p2p_share] * 1000) / 10 : null);
    cols[2].push(p[idx.viewers]);
    cols[3].push(p[idx.p2p] / bucket);
    cols[4].push(p[idx.cdn] / bucket);
    cols[5].push(p[idx.origin] / bucket);
    cols[6].push(idx.relay === undefined ? null : p[idx.relay] / bucket);
  }
  return cols;
}

// What the bytes peers carried would have cost from the origin (egress) or
// the CDN (egress + one read per segment), and what the origin did carry.
export function savings(streams, prices) {
  let p2p = 0;
  let origin = 0;
  for (const s of streams) { p2p += s.total?.p2p ?? 0; origin += s.total?.origin ?? 0; }
  const gb = p2p / 1e9;
  const reads = p2p / (prices.segment_mb * 1e6);
  return {
    p2pBytes: p2p,
    originAvoided: gb * prices.egress,
    cdnAvoided: gb * prices.cdn_egress + (reads / 1e6) * prices.read,
    originSpent: (origin / 1e9) * prices.egress,
  };
}

export function money(v) {
  if (v >= 100) return `$${v.toFixed(0)}`;
  if (v >= 0.01) return `$${v.toFixed(2)}`;
  return v > 0 ? `$${v.toPrecision(2)}` : '$0';
}
