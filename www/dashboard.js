// /dashboard: sigd's delivery figures as live charts (uPlot, served from
// vendor/), refreshed every 5 s without a reload.
import uPlot from './vendor/uPlot.esm.js';
import { chartColumns, savings, money, readPrices, seriesKey, seriesLabel } from './dashboard-data.js';
import { formatBytes } from './stats.js';

const REFRESH_MS = 5000;
const prices = readPrices(window.location.search);
const $ = (id) => document.getElementById(id);
const select = $('series');
const charts = {};
let latest = { history: null, stats: null };

const rate = (v) => (v === null || v === undefined ? '–' : `${formatBytes(v)}/s`);
const axisBytes = (_u, values) => values.map((v) => (v === null ? '' : formatBytes(v)));

function makeChart(id, series, axes) {
  const el = $(id);
  const opts = {
    width: el.clientWidth || 320, height: 200, legend: { live: false },
    scales: { x: { time: true } }, series: [{}, ...series],
    axes: [{ stroke: 'gray' }, { stroke: 'gray', ...axes }],
  };
  const chart = new uPlot(opts, [[], ...series.map(() => [])], el);
  new ResizeObserver(() => chart.setSize({ width: el.clientWidth, height: 200 })).observe(el);
  return chart;
}

function setupCharts() {
  charts.share = makeChart('c-share', [{ label: 'from peers %', stroke: '#1a7f37', width: 2, fill: 'rgba(26,127,55,0.15)' }], { values: (_u, v) => v.map((x) => `${x}%`) });
  charts.viewers = makeChart('c-viewers', [{ label: 'viewers', stroke: '#0969da', width: 2 }], {});
  charts.bytes = makeChart('c-bytes', [
    { label: 'peers', stroke: '#1a7f37', width: 2 },
    { label: 'CDN', stroke: '#9a6700', width: 2 },
    { label: 'origin', stroke: '#cf222e', width: 2 },
    { label: 'of peers: relays', stroke: '#8250df', width: 2, dash: [6, 4] },
  ], { values: axisBytes, size: 70 });
}

function fillSelect(streams) {
  const keys = streams.map(seriesKey);
  const current = [...select.options].map((o) => o.value);
  if (keys.join('\0') === current.join('\0')) return;
  const chosen = select.value;
  select.replaceChildren(...streams.map((s) => new Option(seriesLabel(s), seriesKey(s))));
  if (keys.includes(chosen)) select.value = chosen;
}

function render() {
  const { history, stats } = latest;
  if (!history || !stats) return;
  const delivery = stats.delivery ?? { streams: [] };
  fillSelect(history.streams);
  const key = select.value;
  const hist = history.streams.find((s) => seriesKey(s) === key);
  const row = delivery.streams.find((s) => seriesKey(s) === key);
  const cols = chartColumns(history, hist, Date.now() / 1000);
  charts.share.setData([cols[0], cols[1]]);
  charts.viewers.setData([cols[0], cols[2]]);
  charts.bytes.setData([cols[0], cols[3], cols[4], cols[5], cols[6]]);
  const m = row?.['1m'];
  $('t-share').textContent = m && m.reports ? `${Math.round(m.p2p_share * 100)} %` : '–';
  $('t-viewers').textContent = row ? String(row.viewers) : '0';
  $('t-peers').textContent = m ? m.peers_per_viewer.toFixed(1) : '–';
  $('t-latency').textContent = m && m.latency_p50_s !== null ? `${m.latency_p50_s} / ${m.latency_p95_s} s` : '–';
  $('t-stalls').textContent = m ? `${(m.stall_ratio * 100).toFixed(1)} %` : '–';
  const saved = savings(delivery.streams, prices);
  $('t-saved').textContent = money(saved.originAvoided);
  $('t-saved-how').textContent = `${formatBytes(saved.p2pBytes)} from peers: ${money(saved.originAvoided)} origin egress at $${prices.egress}/GB, `
    + `or ${money(saved.cdnAvoided)} on the CDN (R2 reads $${prices.read}/M); origin carried ${money(saved.originSpent)}`;
  const alarm = row?.origin_alarm;
  $('alarm').hidden = !alarm;
  if (alarm) $('alarm').textContent = 'Viewers of this stream fetch segments from the page\'s own origin although a CDN serves it.';
  $('t-relays').textContent = m && m.relays ? `${rate(m.bytes_per_s.relays)} · ${m.relays} relay${m.relays > 1 ? 's' : ''}, ${m.relay_peers} peers` : '–';
  $('updated').textContent = `updated ${new Date().toLocaleTimeString()} · ${m ? rate(m.bytes_per_s.p2p) : '–'} from peers`;
  document.body.dataset.points = String(cols[0].length); // for the test: the charts have data
}

async function refresh() {
  try {
    const [history, stats] = await Promise.all([
      fetch('delivery.json', { cache: 'no-store' }).then((r) => r.json()),
      fetch('stats.json', { cache: 'no-store' }).then((r) => r.json()),
    ]);
    latest = { history, stats };
    render();
  } catch (err) {
    $('updated').textContent = `cannot reach sigd: ${err.message}`;
  }
}

setupCharts();
select.addEventListener('change', render);
refresh();
setInterval(refresh, REFRESH_MS);
