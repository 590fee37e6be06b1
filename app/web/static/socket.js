// WebSockets: /ws/user keeps me "online" (heartbeats) and brings toasts; /ws/teams/{id} brings a team's tasks.
import { refresh, token } from './api.js';

const HEARTBEAT_MS = 20_000; // the server counts a user online for 30 s after a heartbeat
const MAX_BACKOFF_MS = 30_000;
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_FORBIDDEN = 4403;

/**
 * A socket that stays open: heartbeat right after connecting and every 20 s, reconnect with backoff, a fresh
 * access token after a 4401 close. `onState` gets 'connecting' | 'online' | 'offline'.
 */
export class LiveSocket {
  constructor(path, { onMessage, onState = () => {}, onForbidden = () => {}, onSignedOut = () => {} }) {
    this.path = path;
    this.onMessage = onMessage;
    this.onState = onState;
    this.onForbidden = onForbidden;
    this.onSignedOut = onSignedOut;
    this.attempt = 0;
    this.stopped = false;
    this.ws = null;
    this.timer = null;
    this.retry = null;
  }

  start() {
    this.stopped = false;
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    if (this.ws) this.ws.close(1000);
    this.ws = null;
    this.onState('offline');
  }

  async connect() {
    if (this.stopped) return;
    if (!token() && !(await refresh())) {
      this.onSignedOut();
      return;
    }
    this.onState('connecting');
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${window.location.host}${this.path}?token=${encodeURIComponent(token())}`);
    this.ws = ws;
    ws.addEventListener('open', () => {
      this.attempt = 0;
      this.onState('online');
      this.beat();
      clearInterval(this.timer);
      this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
    });
    ws.addEventListener('message', (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.onMessage(message);
    });
    ws.addEventListener('close', (event) => this.closed(ws, event.code));
  }

  beat() {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'heartbeat' }));
  }

  async closed(ws, code) {
    if (ws !== this.ws) return; // an old socket we replaced
    clearInterval(this.timer);
    this.ws = null;
    if (this.stopped) return;
    this.onState('offline');
    if (code === CLOSE_FORBIDDEN) {
      this.onForbidden();
      return;
    }
    if (code === CLOSE_UNAUTHORIZED) {
      // The token expired or its session was revoked: a fresh token reconnects at once, no session signs out.
      // A second 4401 in a row (without an open in between) waits like any other failure.
      if (!(await refresh())) {
        this.onSignedOut();
        return;
      }
      this.schedule(this.attempt === 0 ? 0 : this.backoff());
      return;
    }
    this.schedule(this.backoff());
  }

  backoff() {
    return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
  }

  schedule(delay) {
    this.attempt += 1;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.connect(), delay);
  }
}
