// Runs `tunnelcheck lint --profile rfc` over playlists and compares with the
// expected verdicts (exit 1 and every mismatch listed on failure):
//   node lint_verdicts.mjs rules DIR
//     DIR/<code>[.<case>].bad.m3u8 must report <code> as an RFC finding with
//     its section; DIR/<code>[.<case>].good.m3u8 must give OK without it.
//   node lint_verdicts.mjs corpus TABLE CORPUS_DIR
//     TABLE (corpus_verdicts.tsv) gives each file's verdict: valid (OK),
//     should (WARNING, SHOULD findings only), suspect (WARNING with the listed
//     codes: a MUST the playlist suggests is broken) or invalid (CRITICAL,
//     with the listed codes); its hls-parser column must match hls-parser's strict mode.
//     Exit 77 (skipped) when CORPUS_DIR is absent.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import HLS from 'hls-parser';

const bin = process.env.TUNNELCHECK || 'tunnelcheck';

function lint(file) {
  const r = spawnSync(bin, ['--format', 'json', 'lint', '--profile', 'rfc', '--', file], {encoding: 'utf8'});
  const findings = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return {exit: r.status, findings, stderr: r.stderr};
}

function shown(findings) {
  return findings.filter((f) => f.severity !== 'ok').map((f) => `${f.severity} ${f.code} [${f.section} ${f.level}] ${f.message}`);
}

function checkRules(dir) {
  const problems = [];
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.m3u8')).sort();
  for (const file of files) {
    const code = file.split('.')[0];
    const bad = file.endsWith('.bad.m3u8');
    const {exit, findings} = lint(path.join(dir, file));
    const hits = findings.filter((f) => f.code === code);
    const wrong = [];
    if (bad) {
      if (!hits.length) wrong.push(`no ${code} finding`);
      for (const f of hits) {
        if (f.rule !== 'rfc' || !f.section) wrong.push(`${code} is not an RFC finding with a section`);
        if (f.level === 'SHOULD' && f.severity === 'critical') wrong.push(`${code} is a SHOULD rated critical`);
      }
    } else {
      if (hits.length) wrong.push(`${code} reported on a valid playlist`);
      if (exit !== 0) wrong.push(`exit ${exit}, expected 0`);
    }
    if (wrong.length) problems.push(`${file}: ${wrong.join('; ')}\n    ${shown(findings).join('\n    ')}`);
  }
  return {count: files.length, problems};
}

function strictVerdict(file) {
  HLS.setOptions({strictMode: true, silent: true});
  try {
    HLS.parse(fs.readFileSync(file, 'utf8'));
    return 'ok';
  } catch {
    return 'error';
  }
}

function judge(row, result) {
  const {exit, findings} = result;
  const wrong = [];
  const above = findings.filter((f) => f.severity !== 'ok');
  if (row.verdict === 'valid' && exit !== 0) wrong.push(`valid but exit ${exit}`);
  if (row.verdict === 'should') {
    if (exit !== 1) wrong.push(`SHOULD-only but exit ${exit}`);
    for (const f of above) if (f.level !== 'SHOULD') wrong.push(`${f.code} is not a SHOULD`);
  }
  if (row.verdict === 'suspect') {
    if (exit !== 1) wrong.push(`suspect but exit ${exit}`);
    for (const code of row.codes.split(',')) {
      if (!findings.some((f) => f.code === code && f.severity === 'warning')) wrong.push(`no warning ${code}`);
    }
  }
  if (row.verdict === 'invalid') {
    if (exit !== 2) wrong.push(`invalid but exit ${exit}`);
    for (const code of row.codes.split(',')) {
      if (!findings.some((f) => f.code === code && f.severity === 'critical')) wrong.push(`no critical ${code}`);
    }
  }
  return wrong;
}

function checkCorpus(table, dir) {
  if (!fs.existsSync(dir)) {
    console.log(`SKIP: no corpus at ${dir}`);
    process.exit(77);
  }
  const rows = fs.readFileSync(table, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).slice(1)
    .map((l) => {
      const [file, verdict, codes, section, hlsParser, note] = l.split('\t');
      return {file, verdict, codes, section, hlsParser, note};
    });
  const problems = [];
  const listed = new Set(rows.map((r) => r.file));
  for (const f of fs.readFileSync(path.join(dir, 'SOURCES.tsv'), 'utf8').split('\n').slice(1)) {
    const file = f.split('\t')[0];
    if (file && !listed.has(file)) problems.push(`${file}: no verdict in the table`);
  }
  for (const row of rows) {
    const file = path.join(dir, row.file);
    const result = lint(file);
    const wrong = judge(row, result);
    const strict = strictVerdict(file);
    if (strict !== row.hlsParser) wrong.push(`hls-parser strict says ${strict}, the table ${row.hlsParser}`);
    if (wrong.length) problems.push(`${row.file}: ${wrong.join('; ')}\n    ${shown(result.findings).join('\n    ')}`);
  }
  return {count: rows.length, problems};
}

const [mode, a, b] = process.argv.slice(2);
const {count, problems} = mode === 'rules' ? checkRules(a) : checkCorpus(a, b);
for (const p of problems) console.log(`FAIL ${p}`);
console.log(`${count} playlists, ${problems.length} disagree`);
process.exit(problems.length ? 1 : 0);
