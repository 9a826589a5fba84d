// Subscribes to sigd's live event feed (/events) and writes every event it
// gets, one JSON object per line, to stdout until it has seen COUNT `segment`
// events that arrived live (after the backlog) or SECONDS passed.
//
//   node feed-events.mjs ws://127.0.0.1:PORT/events COUNT SECONDS > events.jsonl
import WebSocket from 'ws';

const [url, countArg, secondsArg] = process.argv.slice(2);
if (!url) { console.error('usage: feed-events.mjs URL COUNT SECONDS'); process.exit(64); }
const wantLive = Number(countArg ?? 3);
const seconds = Number(secondsArg ?? 60);

const ws = new WebSocket(url);
let live = 0;
let backlogDone = false;
// The backlog arrives at once on connecting; whatever comes after a quiet
// half second is live.
let quiet = setTimeout(() => { backlogDone = true; }, 500);
const timer = setTimeout(() => {
  console.error(`feed-events: only ${live} of ${wantLive} live segment events in ${seconds} s`);
  process.exit(1);
}, seconds * 1000);

ws.on('message', (data) => {
  for (const line of data.toString().split('\n')) {
    if (!line.trim()) continue;
    process.stdout.write(line + '\n');
    const event = JSON.parse(line);
    if (event.event !== 'segment') continue;
    if (!backlogDone) {
      clearTimeout(quiet);
      quiet = setTimeout(() => { backlogDone = true; }, 500);
    } else if (++live >= wantLive) {
      clearTimeout(timer);
      ws.close();
    }
  }
});
ws.on('close', () => process.exit(live >= wantLive ? 0 : 1));
ws.on('error', (err) => { console.error(`feed-events: ${url}: ${err.message}`); process.exit(1); });
