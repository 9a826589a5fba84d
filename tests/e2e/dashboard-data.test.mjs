// Unit tests of the dashboard's arithmetic (www/dashboard-data.js), in node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartColumns, savings, money, readPrices, DEFAULT_PRICES } from '../../www/dashboard-data.js';

const history = {
  bucket_s: 10,
  columns: ['ago_s', 'viewers', 'p2p_share', 'p2p', 'cdn', 'origin', 'other', 'relay'],
  streams: [{ stream: 's', rendition: '720p', points: [[20, 3, 0.75, 3000, 1000, 0, 0, 2000], [10, 4, 0, 0, 0, 0, 0, 0]] }],
};

test('history points become uPlot columns: time, share %, viewers, bytes/s by source', () => {
  const cols = chartColumns(history, history.streams[0], 1000);
  assert.deepEqual(cols, [[980, 990], [75, null], [3, 4], [300, 0], [100, 0], [0, 0], [200, 0]]);
  assert.deepEqual(chartColumns(history, undefined, 1000), [[], [], [], [], [], [], []]);
});

test('savings: peer bytes priced as origin egress, or CDN egress plus one read per segment', () => {
  const s = savings([{ total: { p2p: 2e9, origin: 1e9 } }, { total: { p2p: 1e9, origin: 0 } }], DEFAULT_PRICES);
  assert.equal(s.p2pBytes, 3e9);
  assert.ok(Math.abs(s.originAvoided - 0.27) < 1e-9);
  assert.ok(Math.abs(s.cdnAvoided - 3000 / 1e6 * 0.36) < 1e-12); // 3,000 one-MB segments
  assert.ok(Math.abs(s.originSpent - 0.09) < 1e-9);
});

test('prices come from the query string; bad values keep the defaults', () => {
  assert.deepEqual(readPrices('?egress=0.05&read=x&segment_mb=-1'), { ...DEFAULT_PRICES, egress: 0.05 });
  assert.equal(money(123.4), '$123');
  assert.equal(money(0.5), '$0.50');
  assert.equal(money(0.00099), '$0.00099');
  assert.equal(money(0), '$0');
});
