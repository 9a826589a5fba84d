// A real WebTorrent tracker (bittorrent-tracker, WebSocket only) on a free
// 127.0.0.1 port for tunnelcheck --tracker; prints the port, exits on its own.
import { Server } from 'bittorrent-tracker';

const server = new Server({ udp: false, http: false, ws: true, stats: false });
server.on('error', (e) => { console.error(e.message); process.exit(1); });
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.ws.address().port}\n`));
setTimeout(() => process.exit(0), Number(process.argv[2] ?? 300) * 1000).unref();
