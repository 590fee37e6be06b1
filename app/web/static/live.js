// The /ws/user connection kept open while any screen is: presence, toasts, and my task events for the screens.
import { LiveSocket } from './socket.js';
import { setState } from './store.js';
import { toast } from './ui.js';

let socket = null;
const listeners = new Set();

export function startUserSocket(onSignedOut) {
  if (socket) return;
  socket = new LiveSocket('/ws/user', {
    onMessage(message) {
      if (message.type === 'toast') {
        toast({ title: message.title || '', body: message.body || '', level: message.level || 'info' });
      }
      for (const listener of listeners) listener(message);
    },
    onState: (connection) => setState({ connection }),
    onSignedOut,
  }).start();
}

export function stopUserSocket() {
  if (socket) socket.stop();
  socket = null;
}

/** Subscribe a screen to my events (task.* on /ws/user); returns the unsubscribe function. */
export function onUserEvent(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
