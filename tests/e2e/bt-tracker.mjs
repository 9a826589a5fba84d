// bittorrent-tracker's WebSocket server (npm), the reference tracker the e2e
// test and benchmark compare sigd with. Imports only the server: the package's
// CLI pulls in node-datachannel, which is not built with --ignore-scripts.
//   node bt-tracker.mjs PORT        → ws://127.0.0.1:PORT/announce, stats at /stats
import Server from 'bittorrent-tracker/server';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node bt-tracker.mjs PORT');
  process.exit(64);
}
const server = new Server({ http: false, udp: false, ws: true, stats: true, trustProxy: false });
server.on('error', (err) => { console.error(`bt-tracker: ${err.message}`); process.exit(69); });
server.on('warning', (err) => console.error(`bt-tracker warning: ${err.message}`));
server.listen(port, { http: '127.0.0.1' }, () => console.error(`bt-tracker: ws://127.0.0.1:${port}/announce`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
