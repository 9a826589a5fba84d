// Streaming-mode measurement: feeds r2push one segment event every INTERVAL
// ms and times each event from the write of its line to the read of its
// output line; prints p50/p99 and, from r2push's debug log, how many new TCP
// connections each PUT opened once past the warm-up.
//   node stream.mjs EVENTS.jsonl INTERVAL_MS WARMUP -- r2push ARGS...
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import fs from 'node:fs';

const [eventsPath, intervalText, warmupText, , cmd, ...args] = process.argv.slice(2);
const lines = fs.readFileSync(eventsPath, 'utf8').trim().split('\n');
const interval = Number(intervalText), warmup = Number(warmupText);
const child = spawn(cmd, [...args, '--log-format', 'json', '--log-level', 'debug'], { stdio: ['pipe', 'pipe', 'pipe'] });
const sentAt = [];
const latencies = [];
const newConnections = [];
readline.createInterface({ input: child.stdout }).on('line', (line) => {
  const ev = JSON.parse(line);
  latencies.push(performance.now() - sentAt[ev.seq]);
});
readline.createInterface({ input: child.stderr }).on('line', (line) => {
  try {
    const log = JSON.parse(line);
    if (log.message === 'PUT done') newConnections.push(log.new_connections);
  } catch { /* not ours */ }
});
let i = 0;
const timer = setInterval(() => {
  if (i >= lines.length) {
    clearInterval(timer);
    child.stdin.end();
    return;
  }
  const ev = JSON.parse(lines[i]);
  ev.seq = i;
  sentAt[i] = performance.now();
  child.stdin.write(JSON.stringify(ev) + '\n');
  i++;
}, interval);
child.on('exit', () => {
  const steady = latencies.slice(warmup).sort((a, b) => a - b);
  const pct = (p) => steady[Math.min(steady.length - 1, Math.floor((p / 100) * steady.length))];
  const conns = newConnections.slice(warmup);
  const total = conns.reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({
    events: latencies.length,
    p50_ms: Number(pct(50).toFixed(1)),
    p99_ms: Number(pct(99).toFixed(1)),
    steady_objects: conns.length,
    steady_new_connections: total,
    new_connections_per_object: Number((total / Math.max(1, conns.length)).toFixed(4)),
    warmup_new_connections: newConnections.slice(0, warmup).reduce((a, b) => a + b, 0),
  }));
});
