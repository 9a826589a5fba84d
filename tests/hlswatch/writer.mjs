// Test writer reproducing how SRS and Owncast put HLS on disk, using real
// MPEG-TS segments rendered by ffmpeg beforehand (SRC/src<N>.ts).
//
//   node writer.mjs srs DIR SRC COUNT
//     SRS: each segment written to <name>.ts.tmp then renamed; the playlist
//     written to live.m3u8.temp then renamed (srs_app_hls.cpp).
//   node writer.mjs owncast ROOT SRC COUNT RESTART_COUNT
//     Owncast: ffmpeg PUTs to Owncast, which os.Create()s and io.Copy()s: the
//     segment grows in place and the variant stream.m3u8 is truncated and
//     rewritten in place (a reader can see it empty or cut mid-line). Master
//     ROOT/stream.m3u8, variants ROOT/0 and ROOT/1. Then the offline pattern
//     (DISCONTINUITY + offline.ts + ENDLIST, moved over the playlist), then a
//     new transcoder run (new shortid, MSN from 0) of RESTART_COUNT segments.
//     Segment 2 of variant 1 is listed while its last chunk is still being
//     written, to prove hlswatch waits for the full size (WRITER_SLOW_SEGMENT=0:
//     not, since a poller cannot see a writer that pauses).
import fs from "node:fs";
import path from "node:path";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const [mode, dir, src, countArg, restartArg] = process.argv.slice(2);
const count = Number(countArg);

function srcSegment(i) {
  return fs.readFileSync(path.join(src, `src${i % 6}.ts`));
}

// Writes `data` into an open fd in `pieces` chunks with a pause between.
async function writeInPieces(fd, data, pieces, pauseMs) {
  const step = Math.ceil(data.length / pieces);
  for (let off = 0; off < data.length; off += step) {
    fs.writeSync(fd, data, off, Math.min(step, data.length - off));
    await sleep(pauseMs);
  }
}

function mediaPlaylist({ first, names, td, pdtStart, tail = "" }) {
  let t = `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:${td}\n#EXT-X-MEDIA-SEQUENCE:${first}\n`;
  names.forEach((name, k) => {
    if (pdtStart) t += `#EXT-X-PROGRAM-DATE-TIME:${new Date(pdtStart + (first + k) * 1000).toISOString()}\n`;
    t += `#EXTINF:1.000000,\n${name}\n`;
  });
  return t + tail;
}

async function srs() {
  fs.mkdirSync(dir, { recursive: true });
  const names = [];
  for (let i = 0; i < count; ++i) {
    const name = `live-${i}.ts`;
    const tmp = path.join(dir, name + ".tmp");
    const fd = fs.openSync(tmp, "w");
    await writeInPieces(fd, srcSegment(i), 3, 20);
    fs.closeSync(fd);
    fs.renameSync(tmp, path.join(dir, name));
    names.push(name);
    const window = names.slice(-5);
    const first = names.length - window.length;
    const temp = path.join(dir, "live.m3u8.temp");
    fs.writeFileSync(temp, mediaPlaylist({ first, names: window, td: 1 }));
    fs.renameSync(temp, path.join(dir, "live.m3u8"));
    await sleep(120);
  }
}

async function owncast() {
  const restartCount = Number(restartArg ?? 0);
  const variants = ["0", "1"];
  for (const v of variants) fs.mkdirSync(path.join(dir, v), { recursive: true });
  // The master, also written in place.
  const master =
    "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n" +
    '#EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=640x360,CODECS="avc1.64001e",FRAME-RATE=25.000\n0/stream.m3u8\n' +
    '#EXT-X-STREAM-INF:BANDWIDTH=600000,RESOLUTION=320x180,CODECS="avc1.64000d",FRAME-RATE=25.000\n1/stream.m3u8\n';
  const mfd = fs.openSync(path.join(dir, "stream.m3u8"), "w");
  await writeInPieces(mfd, Buffer.from(master), 2, 30);
  fs.closeSync(mfd);

  const pdtStart = Date.parse("2026-11-23T12:00:00.000Z");
  const names = { 0: [], 1: [] };
  async function run(shortid, segments, msnBase) {
    for (let i = 0; i < segments; ++i) {
      for (const v of variants) {
        const name = `stream-${shortid}-${i}.ts`;
        const file = path.join(dir, v, name);
        const data = srcSegment(i + msnBase);
        const fd = fs.openSync(file, "w");
        const nasty = v === "1" && i === 2 && msnBase === 0 && process.env.WRITER_SLOW_SEGMENT !== "0";
        const head = nasty ? data.subarray(0, data.length - 1000) : data;
        await writeInPieces(fd, head, 4, 15);
        names[v].push(name);
        const window = names[v].slice(-4);
        const first = names[v].length - window.length;
        const text = Buffer.from(mediaPlaylist({ first, names: window, td: 1, pdtStart: pdtStart + msnBase * 100000 }));
        // Truncate, then write the new text in three pieces, the first cut mid-line.
        const pfd = fs.openSync(path.join(dir, v, "stream.m3u8"), "w");
        await sleep(10);
        await writeInPieces(pfd, text, 3, 15);
        fs.closeSync(pfd);
        if (nasty) {
          await sleep(150);
          fs.writeSync(fd, data, data.length - 1000, 1000);
        }
        fs.closeSync(fd);
      }
      await sleep(60);
    }
  }
  await run("AbC12x", count, 0);
  // Stream end: Owncast appends the offline segment via a temp file + move.
  for (const v of variants) {
    fs.writeFileSync(path.join(dir, v, "offline.ts"), srcSegment(5));
    const window = names[v].slice(-4);
    const first = names[v].length - window.length;
    const text = mediaPlaylist({
      first,
      names: window,
      td: 1,
      pdtStart,
      tail: "#EXT-X-DISCONTINUITY\n#EXTINF:8.000000,\noffline.ts\n#EXT-X-ENDLIST\n",
    });
    const tmp = path.join(dir, v, ".offline-tmp");
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, path.join(dir, v, "stream.m3u8"));
  }
  await sleep(400);
  if (restartCount > 0) {
    names[0] = [];
    names[1] = [];
    await run("ZZq9Yt", restartCount, 1);
  }
}

if (mode === "srs") await srs();
else if (mode === "owncast") await owncast();
else {
  console.error(`writer.mjs: unknown mode ${mode}; use srs or owncast`);
  process.exit(64);
}
