// Counts WebRTC connections made on this page (created / connected / failed).
// Imported before p2p-media-loader so that every connection it makes is seen.
export const rtc = { created: 0, connected: 0, failed: 0 };

const Native = globalThis.RTCPeerConnection;
if (Native) {
  class CountedPeerConnection extends Native {
    constructor(...args) {
      super(...args);
      rtc.created += 1;
      let counted = false;
      this.addEventListener('connectionstatechange', () => {
        if (counted) return;
        if (this.connectionState === 'connected') { rtc.connected += 1; counted = true; }
        if (this.connectionState === 'failed') { rtc.failed += 1; counted = true; }
      });
    }
  }
  globalThis.RTCPeerConnection = CountedPeerConnection;
}
