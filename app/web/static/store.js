// A tiny shared state (who is signed in, language, theme, socket state) with subscribe/notify.
import { useEffect, useState } from './lib.js';

const state = {
  user: null, // the profile from /auth/me, or null when signed out
  ready: false, // the start-up refresh has answered
  connection: 'offline', // 'connecting' | 'online' | 'offline'
};
const listeners = new Set();

export function getState() {
  return state;
}

export function setState(patch) {
  Object.assign(state, patch);
  for (const listener of listeners) listener(state);
}

export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Re-render the calling component whenever the store changes. */
export function useStore() {
  const [, bump] = useState(0);
  useEffect(() => subscribe(() => bump((n) => n + 1)), []);
  return state;
}

// Preferences (not secrets): the language and theme chosen in Profile, remembered per browser.
const PREFS_KEY = 'kalendar.prefs';

export function loadPrefs() {
  try {
    return JSON.parse(window.localStorage.getItem(PREFS_KEY)) || {};
  } catch {
    return {};
  }
}

export function savePrefs(patch) {
  const prefs = { ...loadPrefs(), ...patch };
  window.localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
  return prefs;
}
