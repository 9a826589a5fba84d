// Subscribes to sigd's live event feed (/events) and writes every event it
// gets, one JSON object per line, to stdout until it has seen COUNT events of
// kind EVENT (default `segment`) that arrived live (after the backlog), or
// fails after SECONDS.
//
//   node feed-events.mjs ws://127.0.0.1:PORT/events COUNT SECONDS [EVENT] > events.jsonl
import WebSocket from 'ws';

const [url, countArg, secondsArg, kind = 'segment'] = process.argv.slice(2);
if (!url) { console.error('usage: feed-events.mjs URL COUNT SECONDS [EVENT]'); process.exit(64); }
const wantLive = Number(countArg ?? 3);
const seconds = Number(secondsArg ?? 60);

const ws = new WebSocket(url);
let live = 0;
let backlogDone = false;
// The backlog arrives at once on connecting; whatever comes after a quiet
// half second is live.
let quiet = setTimeout(() => { backlogDone = true; }, 500);
const timer = setTimeout(() => {
  console.error(`feed-events: only ${live} of ${wantLive} live ${kind} events in ${seconds} s`);
  process.exit(1);
}, seconds * 1000);

ws.on('message', (data) => {
  for (const line of data.toString().split('\n')) {
    if (!line.trim()) continue;
    process.stdout.write(line + '\n');
    const event = JSON.parse(line);
    // The backlog is segment events only; it is over after a quiet half second.
    if (!backlogDone && event.event === 'segment') {
      clearTimeout(quiet);
      quiet = setTimeout(() => { backlogDone = true; }, 500);
    } else if (backlogDone && event.event === kind && ++live >= wantLive) {
      clearTimeout(timer);
      ws.close();
    }
  }
});
ws.on('close', () => process.exit(live >= wantLive ? 0 : 1));
ws.on('error', (err) => { console.error(`feed-events: ${url}: ${err.message}`); process.exit(1); });
