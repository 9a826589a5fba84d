// nginx from Debian in front of sigd, configured as cloudflared forwards to
// its origin: the WebSocket upgrade passed on (HTTP/1.1, Upgrade,
// Connection), and the client headers the Cloudflare edge set passed through.
// Run as an unprivileged process (as root: setpriv to nobody) with its own
// prefix, config and pid file in a temp dir, listening on 127.0.0.1 only,
// stopped by its PID.
import { spawn, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import net from 'node:net'
import { sleep } from './lib.mjs'

export function freePort () {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => resolve(p)) })
    srv.on('error', reject)
  })
}

// headers: 'cloudflared' passes CF-Connecting-IP and X-Forwarded-For as the
// edge sent them; 'xff' drops CF-Connecting-IP; 'none' drops both.
function location (upstream, headers) {
  const drop = { cloudflared: [], xff: ['CF-Connecting-IP'], none: ['CF-Connecting-IP', 'X-Forwarded-For'] }[headers]
  return `location / {
      proxy_pass http://${upstream};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
${drop.map(h => `      proxy_set_header ${h} "";`).join('\n')}
      proxy_buffering off;
      proxy_read_timeout 300s;
    }`
}

// Starts nginx proxying to `upstream` (host:port); `servers` maps a name to
// its header mode. Returns { ports: {name: port}, stop(), log() }.
export async function startNginx (upstream, servers, opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sigd-nginx-'))
  const ports = {}
  for (const name of Object.keys(servers)) ports[name] = await freePort()
  const conf = `worker_processes ${opts.workers || 1};
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections ${opts.workerConnections || 4096}; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
${Object.entries(servers).map(([name, headers]) => `  server {
    listen 127.0.0.1:${ports[name]};
    ${location(upstream, headers)}
  }`).join('\n')}
}
`
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf)
  const args = ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log'), '-g', 'daemon off;']
  let cmd = 'nginx'
  let argv = args
  if (process.getuid() === 0) {  // never run a server as root in a test
    fs.chmodSync(dir, 0o755)
    execFileSync('chown', ['-R', 'nobody', dir])
    cmd = 'setpriv'
    argv = ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', 'nginx', ...args]
  }
  const proc = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  proc.stderr.on('data', d => { stderr += d })
  let exited = null
  proc.on('exit', (code, signal) => { exited = { code, signal } })
  process.on('exit', () => {
    // SIGTERM, not SIGKILL: the master then stops its workers itself.
    if (!exited) proc.kill('SIGTERM')
    fs.rmSync(dir, { recursive: true, force: true })
  })
  const log = () => stderr + (fs.existsSync(`${dir}/error.log`) ? fs.readFileSync(`${dir}/error.log`, 'utf8') : '')
  const deadline = Date.now() + 10000
  for (const port of Object.values(ports)) {
    for (;;) {
      if (exited) throw new Error(`nginx exited (${JSON.stringify(exited)}): ${log()}`)
      if (Date.now() > deadline) throw new Error('nginx did not listen within 10 s: ' + log())
      const up = await new Promise(resolve => {
        const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true) })
        s.on('error', () => resolve(false))
      })
      if (up) break
      await sleep(25)
    }
  }
  return {
    ports, log, pid: proc.pid,
    async stop () {
      if (exited) return exited
      proc.kill('SIGTERM')  // nginx's fast shutdown; the master takes its workers with it
      const until = Date.now() + 10000
      while (!exited && Date.now() < until) await sleep(20)
      if (!exited) { proc.kill('SIGKILL'); throw new Error('nginx did not stop on SIGTERM') }
      return exited
    }
  }
}
