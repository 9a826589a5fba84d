// Shared helpers for sigd's node tests: start sigd on a free port, wait for
// conditions, open scripted WebSocket clients, make 20-byte binary ids, talk
// to the HTTP tracker.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import bencode from 'bencode'
import WebSocket from 'ws'

export const bin = process.env.HLSMESH_BIN ? path.join(process.env.HLSMESH_BIN, 'sigd') : 'sigd'

export function tmpdir () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sigd-test-'))
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

export async function startSigd (args = [], opts = {}) {
  const dir = tmpdir()
  const ready = path.join(dir, 'ready')
  const proc = spawn(bin, ['--listen', opts.listen || '127.0.0.1:0', '--ready-file', ready, ...args], {
    stdio: [opts.stdin ? 'pipe' : 'ignore', 'ignore', 'pipe'], env: { ...process.env, ...(opts.env || {}) }
  })
  let stderr = ''
  proc.stderr.on('data', d => { stderr += d; if (process.env.SIGD_TEST_VERBOSE) process.stderr.write(d) })
  let exited = null
  proc.on('exit', (code, signal) => { exited = { code, signal } })
  process.on('exit', () => { if (!exited) proc.kill('SIGKILL') })
  const deadline = Date.now() + 10000
  while (!fs.existsSync(ready)) {
    if (exited) throw new Error(`sigd exited early (${JSON.stringify(exited)}): ${stderr}`)
    if (Date.now() > deadline) throw new Error('sigd did not start within 10 s: ' + stderr)
    await sleep(20)
  }
  const hostport = fs.readFileSync(ready, 'utf8').trim()
  return {
    proc, hostport, dir,
    url: p => `http://${hostport}${p}`,
    ws: p => `ws://${hostport}${p}`,
    stderr: () => stderr,
    exited: () => exited,
    async stop () {
      if (exited) return exited
      proc.kill('SIGTERM')
      const until = Date.now() + 10000
      while (!exited && Date.now() < until) await sleep(20)
      if (!exited) { proc.kill('SIGKILL'); throw new Error('sigd did not stop on SIGTERM') }
      return exited
    }
  }
}

export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

export async function until (what, fn, ms = 10000) {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what)
    await sleep(25)
  }
}

export async function stats (s) {
  const r = await fetch(s.url('/stats.json'))
  return r.json()
}

// GET on a connection of its own, closed after the reply (fetch keeps
// connections alive, which counts in /stats.json's `connections`).
export function getOnce (s, p) {
  return new Promise((resolve, reject) => {
    http.get(s.url(p), { agent: false }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
    }).on('error', reject)
  })
}

export async function statsOnce (s) {
  return JSON.parse((await getOnce(s, '/stats.json')).body.toString())
}

// %-escapes every byte of a latin1 "binary string" (or a number) that is not unreserved.
export function percentEncode (v) {
  let out = ''
  for (const b of Buffer.from(String(v), 'latin1')) {
    const c = String.fromCharCode(b)
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

// An HTTP tracker request (/announce or /scrape); ids are latin1 binary
// strings. Returns the bencoded reply decoded (byte strings as Buffers).
export async function httpTracker (s, p, params) {
  const query = Object.entries(params).map(([k, v]) => `${k}=${percentEncode(v)}`).join('&')
  const r = await getOnce(s, `${p}?${query}`)
  if (r.status !== 200) throw new Error(`${p}: HTTP ${r.status}`)
  const dict = bencode.decode(r.body)
  const buf = x => (x instanceof Uint8Array ? Buffer.from(x) : x)
  for (const k of Object.keys(dict)) dict[k] = buf(dict[k])
  return dict
}

// Compact peers (BEP 23 / BEP 7) as "ip:port" strings.
export function compactPeers (bytes, v6 = false) {
  const size = v6 ? 18 : 6
  const out = []
  for (let i = 0; bytes && i + size <= bytes.length; i += size) {
    const ip = bytes.subarray(i, i + size - 2)
    const port = bytes.readUInt16BE(i + size - 2)
    out.push(v6 ? `[${Array.from({ length: 8 }, (_, j) => ip.readUInt16BE(2 * j).toString(16)).join(':')}]:${port}` : `${Array.from(ip).join('.')}:${port}`)
  }
  return out
}

// 20 random bytes as a latin1 "binary string", as bittorrent-tracker sends them.
export function binaryId (prefix = '') {
  const buf = Buffer.concat([Buffer.from(prefix, 'latin1'), crypto.randomBytes(20)]).subarray(0, 20)
  return buf.toString('latin1')
}

// A scripted client that collects every message.
export async function client (url, opts = {}) {
  const sock = new WebSocket(url, opts)
  const messages = []
  const raw = []
  let closed = null
  sock.on('message', (data, isBinary) => { raw.push(data.toString()); try { messages.push(JSON.parse(data.toString())) } catch { messages.push({ unparsable: data.toString() }) } })
  sock.on('close', (code, reason) => { closed = { code, reason: reason.toString() } })
  await new Promise((resolve, reject) => { sock.once('open', resolve); sock.once('error', reject) })
  return {
    sock, messages, raw,
    closed: () => closed,
    send: obj => sock.send(typeof obj === 'string' ? obj : JSON.stringify(obj)),
    async next (pred = () => true, ms = 5000) {
      return until('a matching message', () => messages.find(pred), ms)
    },
    close () { sock.close() }
  }
}

export function check (cond, what) {
  if (!cond) throw new Error('FAILED: ' + what)
  console.log('ok -', what)
}

export async function main (fn) {
  const timer = setTimeout(() => { console.error('test timed out'); process.exit(1) }, 200000)
  try {
    await fn()
    clearTimeout(timer)
    process.exit(0)
  } catch (err) {
    console.error(err)
    process.exit(1)
  }
}
