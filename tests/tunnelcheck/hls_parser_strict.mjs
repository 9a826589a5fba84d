// Prints "<file>\tok" or "<file>\t<error>" for each playlist given, as parsed
// by hls-parser in strict mode: the second opinion corpus_verdicts.tsv cites.
import fs from 'node:fs';
import HLS from 'hls-parser';

HLS.setOptions({strictMode: true, silent: true});
for (const file of process.argv.slice(2)) {
  let verdict = 'ok';
  try {
    HLS.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    verdict = String(e.message).split('\n')[0];
  }
  console.log(`${file}\t${verdict}`);
}
