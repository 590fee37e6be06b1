// Client-side routes over the History API; the server answers the same paths with the shell (app/web/routes.py).
import { html, useEffect, useState } from './lib.js';

const listeners = new Set();

export function navigate(path, { replace = false } = {}) {
  if (path === window.location.pathname + window.location.search) return;
  window.history[replace ? 'replaceState' : 'pushState'](null, '', path);
  for (const listener of listeners) listener();
}

window.addEventListener('popstate', () => {
  for (const listener of listeners) listener();
});

export function useLocation() {
  const [, bump] = useState(0);
  useEffect(() => {
    const listener = () => bump((n) => n + 1);
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, []);
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

/** Match `path` against patterns like '/teams/:id'; returns the params or null. */
export function match(pattern, path) {
  const names = [];
  const regex = new RegExp(
    '^' + pattern.replace(/:(\w+)/g, (_, name) => (names.push(name), '(\\d+)')) + '/?$',
  );
  const found = regex.exec(path);
  if (!found) return null;
  return Object.fromEntries(names.map((name, i) => [name, Number(found[i + 1])]));
}

export function Link({ href, children, ...rest }) {
  const onClick = (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(href);
    if (rest.onNavigate) rest.onNavigate();
  };
  const { onNavigate, ...attrs } = rest;
  return html`<a href=${href} onClick=${onClick} ...${attrs}>${children}</a>`;
}
