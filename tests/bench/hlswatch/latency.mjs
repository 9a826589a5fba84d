// Publish-latency probe for `hlswatch | m3u8roll`: writes a live source the
// way ffmpeg does (segment, then playlist written to a temp file and renamed)
// and watches the m3u8roll output playlists of several pipelines. Latency of
// a segment = from the rename of the first source playlist listing it to the
// first output playlist (renamed into place by m3u8roll) listing it.
//
//   node latency.mjs SRC_DIR COUNT INTERVAL_MS NAME=OUT_PLAYLIST... [NAME=events:FIFO]
// (events:FIFO reads hlswatch's event lines instead: t1 = the line's arrival.)
// Prints one JSON line per pipeline: {name, count, p50, p99, max, mean} in ms.
import fs from "node:fs";
import path from "node:path";
import net from "node:net";
import readline from "node:readline";

const [srcDir, countArg, intervalArg, ...outs] = process.argv.slice(2);
const count = Number(countArg);
const interval = Number(intervalArg);
const warmup = 5;  // m3u8roll publishes only once 3 × TD are listed
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

const published = new Map();  // segment name → t0 (source playlist renamed)
const pipelines = outs.map((spec) => {
  const [name, file] = spec.split("=");
  return { name, file, seen: new Map() };
});

function scan(p) {
  let text;
  try {
    text = fs.readFileSync(p.file, "utf8");
  } catch {
    return;
  }
  const t = nowMs();
  for (const line of text.split("\n")) {
    if (!line || line[0] === "#") continue;
    const name = line.slice(line.lastIndexOf("/") + 1);
    if (!p.seen.has(name)) p.seen.set(name, t);
  }
}


for (const p of pipelines) {
  if (p.file.startsWith("events:")) {
    // hlswatch's own output (a FIFO): t1 = when its event line arrives.
    // A pipe through libuv's event loop (a threadpool read would block exit).
    const fd = fs.openSync(p.file.slice(7), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const rl = readline.createInterface({ input: new net.Socket({ fd, readable: true }) });
    rl.on("line", (line) => {
      const t = nowMs();
      const m = /"uri":"([^"]*)"/.exec(line);
      if (m && !p.seen.has(m[1])) p.seen.set(m[1], t);
    });
    continue;
  }
  fs.mkdirSync(path.dirname(p.file), { recursive: true });
  // Directory watch (inotify): m3u8roll renames its temp file over the playlist.
  fs.watch(path.dirname(p.file), (event, filename) => {
    if (filename === path.basename(p.file)) scan(p);
  });
}

const payload = Buffer.alloc(4 * 188, 0x47);
const names = [];
let i = 0;
function writeOne() {
  const name = `seg${i}.ts`;
  fs.writeFileSync(path.join(srcDir, name), payload);
  names.push(name);
  const window = names.slice(-30);  // 30 × 20 ms: a poller must not lose segments to the window
  const first = names.length - window.length;
  let text = `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:${first}\n`;
  for (const n of window) text += `#EXTINF:1.000000,\n${n}\n`;
  const tmp = path.join(srcDir, "stream.m3u8.tmp");
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, path.join(srcDir, "stream.m3u8"));
  published.set(name, nowMs());
  ++i;
  if (i < count) setTimeout(writeOne, interval);
  else setTimeout(finish, 1500);
}

function percentile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function finish() {
  for (const p of pipelines) {
    if (!p.file.startsWith("events:")) scan(p);
    const lat = [];
    let missing = 0;
    for (const [name, t0] of published) {
      if (Number(name.slice(3, -3)) < warmup) continue;
      const t1 = p.seen.get(name);
      if (t1 === undefined) ++missing;
      else lat.push(t1 - t0);
    }
    lat.sort((a, b) => a - b);
    const r = (x) => Math.round(x * 100) / 100;
    console.log(JSON.stringify({
      name: p.name,
      count: lat.length,
      missing,
      p50: r(percentile(lat, 0.5)),
      p99: r(percentile(lat, 0.99)),
      max: r(lat[lat.length - 1]),
      mean: r(lat.reduce((a, b) => a + b, 0) / lat.length),
    }));
  }
  process.exit(0);
}

setTimeout(writeOne, 300);
