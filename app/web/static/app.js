// Start-up: language and theme, the session from the refresh cookie, then the screens.
import { forget, get, patch, refresh, setSignedOutHandler, signOut } from './api.js';
import { detectLanguage, setLanguage, t } from './i18n.js';
import { html, render, useEffect, useRef, useState } from './lib.js';
import { startUserSocket, stopUserSocket } from './live.js';
import { Link, match, navigate, useLocation } from './router.js';
import { SignIn, SignUp } from './screens/auth.js';
import { GoalDetail, Goals } from './screens/goals.js';
import { Habits } from './screens/habits.js';
import { Profile } from './screens/profile.js';
import { Team, Teams } from './screens/teams.js';
import { Today } from './screens/today.js';
import { getState, loadPrefs, setState, useStore } from './store.js';
import { applyTheme } from './theme.js';
import { Toasts, showError, toast } from './ui.js';

const SCREENS = [
  ['/today', Today],
  ['/goals', Goals],
  ['/goals/:id', GoalDetail],
  ['/habits', Habits],
  ['/teams', Teams],
  ['/teams/:id', Team],
  ['/profile', Profile],
];
const NAV = [
  ['/today', 'nav.today'],
  ['/goals', 'nav.goals'],
  ['/habits', 'nav.habits'],
  ['/teams', 'nav.teams'],
  ['/profile', 'nav.profile'],
];
const PUBLIC = ['/signin', '/signup'];

function signedOut() {
  stopUserSocket();
  forget();
  setState({ user: null });
  if (!PUBLIC.includes(window.location.pathname)) navigate('/signin', { replace: true });
}

async function signedIn(user, { fresh = false } = {}) {
  if (fresh) {
    // A new account starts in the browser's time zone (the server's default is only a guess).
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && zone !== user.timezone) {
      user = (await patch('/auth/me', { timezone: zone }).catch(() => ({ data: user }))).data;
    }
  }
  setState({ user });
  startUserSocket(signedOut);
  const next = new URLSearchParams(window.location.search).get('next');
  navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/today', { replace: true });
}

function ConnectionState() {
  const { connection } = useStore();
  return html`<span class=${`connection connection-${connection}`} title=${t('connection.title')}>
    <span class="dot" aria-hidden="true"></span>${t(`connection.${connection}`)}
  </span>`;
}

function Header({ path }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const close = () => setOpen(false);
  const out = async () => {
    setBusy(true);
    try {
      await signOut();
    } catch (error) {
      showError(error);
    } finally {
      setBusy(false);
      signedOut();
    }
  };
  return html`<header class="top">
    <a class="skip-link" href="#main">${t('nav.skip')}</a>
    <${Link} class="brand" href="/today">Kalendar</${Link}>
    <${ConnectionState} />
    <button type="button" class="menu-button" aria-expanded=${open ? 'true' : 'false'} aria-controls="main-nav" onClick=${() => setOpen(!open)}>${t('nav.menu')}</button>
    <nav id="main-nav" class=${open ? 'main-nav open' : 'main-nav'} aria-label=${t('nav.label')}>
      <ul>
        ${NAV.map(
          ([href, key]) => html`<li key=${href}>
            <${Link} href=${href} onNavigate=${close} aria-current=${path === href || path.startsWith(`${href}/`) ? 'page' : undefined}>${t(key)}</${Link}>
          </li>`,
        )}
        <li><button type="button" class="signout" disabled=${busy} onClick=${out}>${t('nav.signout')}</button></li>
      </ul>
    </nav>
  </header>`;
}

function Screen({ path }) {
  const main = useRef(null);
  useEffect(() => {
    // Move focus to the new screen's heading, so keyboard and screen-reader users land on it.
    const heading = main.current && main.current.querySelector('h1');
    if (heading) heading.focus({ preventScroll: true });
    document.title = `${heading ? heading.textContent : ''} · Kalendar`;
  }, [path]);
  for (const [pattern, Component] of SCREENS) {
    const params = match(pattern, path);
    if (params) return html`<main id="main" ref=${main}><${Component} key=${path} ...${params} /></main>`;
  }
  return html`<main id="main" ref=${main}><h1 tabindex="-1">${t('notFound.title')}</h1><p><${Link} href="/today">${t('nav.today')}</${Link}></p></main>`;
}

function App() {
  const state = useStore();
  const { path } = useLocation();
  useEffect(() => {
    if (!state.ready) return;
    if (!state.user && !PUBLIC.includes(path)) {
      const next = path === '/' ? '' : `?next=${encodeURIComponent(path + window.location.search)}`;
      navigate(`/signin${next}`, { replace: true });
    } else if (state.user && (path === '/' || PUBLIC.includes(path))) {
      navigate('/today', { replace: true });
    }
  }, [state.ready, state.user, path]);
  if (!state.ready) return html`<p class="boot">${t('loading')}</p>`;
  if (!state.user) {
    const Form = path === '/signup' ? SignUp : SignIn;
    return html`<div class="public">
      <p class="brand big">Kalendar</p>
      <main id="main"><${Form} onSignedIn=${signedIn} /></main>
      <${Toasts} />
    </div>`;
  }
  return html`<div class="shell">
    <${Header} path=${path} />
    <${Screen} path=${path} />
    <${Toasts} />
  </div>`;
}

function vkOutcome() {
  // A VK sign-in that failed comes back with `#error=..&error_description=..` (never with tokens).
  if (!window.location.hash.includes('error=')) return;
  const params = new URLSearchParams(window.location.hash.slice(1));
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
  toast({ title: t('auth.vk.failed'), body: params.get('error_description') || params.get('error'), level: 'error' });
}

async function start() {
  const prefs = loadPrefs();
  await setLanguage(detectLanguage(prefs.lang));
  applyTheme(prefs.theme || 'system');
  setSignedOutHandler(signedOut);
  render(html`<${App} />`, document.getElementById('app'));
  vkOutcome();
  if (await refresh()) {
    try {
      const { data } = await get('/auth/me');
      setState({ user: data });
      startUserSocket(signedOut);
    } catch (error) {
      if (error.status !== 401) showError(error);
    }
  }
  setState({ ready: true });
  if (getState().user && (window.location.pathname === '/' || PUBLIC.includes(window.location.pathname))) {
    navigate('/today', { replace: true });
  }
}

start();
