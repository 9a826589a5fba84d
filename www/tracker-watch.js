// Watches the page's WebSocket connections, which are p2p-media-loader's
// tracker sockets (it opens no others). Its tracker client reports neither a
// socket that closes nor one that comes back, so without this the overlay
// would say all is well long after the tracker went away. Imported before
// p2p-media-loader (like rtc-stats.js), so every socket it opens is seen.
export const trackerSockets = {
  opened: 0, // sockets that reached the tracker
  open: 0, // of those, open now
  closed: 0, // open sockets that closed (tracker gone, network down)
  failed: 0, // sockets that never opened
};

// 'connecting' until a first socket opens or fails, then 'ok' while one is
// open and 'unreachable' while none is.
export function trackerState() {
  if (trackerSockets.open > 0) return 'ok';
  if (trackerSockets.opened > 0 || trackerSockets.failed > 0) return 'unreachable';
  return 'connecting';
}

const Native = globalThis.WebSocket;
if (Native) {
  class WatchedWebSocket extends Native {
    constructor(...args) {
      super(...args);
      let opened = false;
      this.addEventListener('open', () => {
        opened = true;
        trackerSockets.opened += 1;
        trackerSockets.open += 1;
      });
      this.addEventListener('close', () => {
        if (opened) {
          trackerSockets.open -= 1;
          trackerSockets.closed += 1;
        } else {
          trackerSockets.failed += 1;
        }
      });
    }
  }
  globalThis.WebSocket = WatchedWebSocket;
}
