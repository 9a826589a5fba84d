// Reads FILE in a tight loop for MS milliseconds; every read must be absent
// or a whole version: SIZE bytes, all the same byte. Prints a JSON summary.
//   node read_loop.mjs FILE SIZE MS
import fs from 'node:fs';

const [file, sizeText, msText] = process.argv.slice(2);
const size = Number(sizeText);
const until = Date.now() + Number(msText);
let reads = 0, partial = 0, absent = 0;
const versions = new Set();
const whole = new Map();  // byte → a whole version made of it
while (Date.now() < until) {
  let data;
  try {
    data = fs.readFileSync(file);
  } catch {
    absent++;
    continue;
  }
  reads++;
  const first = data[0];
  if (!whole.has(first)) whole.set(first, Buffer.alloc(size, first));
  if (data.length !== size || !data.equals(whole.get(first))) partial++;
  else versions.add(first);
}
console.log(JSON.stringify({ reads, partial, absent, versions: versions.size }));
