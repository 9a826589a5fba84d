// The peer: what the field reports' Node broadcaster did — keep the last N
// segments in an array and fs.writeFileSync the playlist after each one (no
// temp file, no fsync, no MSN bookkeeping across restarts).
import fs from 'node:fs';
import readline from 'node:readline';

const [out, windowArg] = process.argv.slice(2);
const windowSize = Number(windowArg || 60);
const list = [];
let msn = 0;
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  const e = JSON.parse(line);
  process.stdout.write(line + '\n');
  if (e.event !== 'segment') continue;
  list.push(e);
  if (list.length > windowSize) { list.shift(); msn++; }
  let text = `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:${e.target_duration}\n#EXT-X-MEDIA-SEQUENCE:${msn}\n`;
  for (const s of list) text += `#EXTINF:${s.duration.toFixed(3)},\n${s.url}\n`;
  fs.writeFileSync(out, text);
  process.stdout.write(JSON.stringify({ event: 'playlist', path: out, msn }) + '\n');
}
