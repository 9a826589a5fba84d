// Memory probe: drives `hlswatch SRC_DIR | node flood.mjs SRC_DIR COUNT PID`
// closed loop (segment i+1 is written once hlswatch emitted segment i), with
// a 6-segment window and old segment files deleted as ffmpeg's
// delete_segments does. Prints hlswatch's VmRSS (KiB) at checkpoints.
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";

const [srcDir, countArg, pid] = process.argv.slice(2);
const count = Number(countArg);
const payload = Buffer.alloc(2 * 188, 0x47);
const names = [];
const checkpoints = new Set([1000, 10000, 25000, 50000, 75000, 100000, count]);
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
const started = process.hrtime.bigint();
let i = 0;
let emitted = 0;

function writeOne() {
  const name = `seg${i}.ts`;
  fs.writeFileSync(path.join(srcDir, name), payload);
  names.push(name);
  if (names.length > 10) fs.rmSync(path.join(srcDir, names.shift()), { force: true });
  const window = names.slice(-6);
  const first = i + 1 - window.length;
  let text = `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:${first}\n`;
  for (const n of window) text += `#EXTINF:1.000000,\n${n}\n`;
  fs.writeFileSync(path.join(srcDir, "stream.m3u8.tmp"), text);
  fs.renameSync(path.join(srcDir, "stream.m3u8.tmp"), path.join(srcDir, "stream.m3u8"));
  ++i;
}

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (!line.includes('"event":"segment"')) return;
  ++emitted;
  if (checkpoints.has(emitted)) {
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(JSON.stringify({ segments: emitted, rss_kib: rss(), seconds: Math.round(secs * 10) / 10 }));
  }
  if (emitted >= count) process.exit(0);
  if (i < count) writeOne();
});
setTimeout(writeOne, 300);
