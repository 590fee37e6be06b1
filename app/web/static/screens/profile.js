// Profile: name, email, time zone, password, Telegram, the calendar feed, VK, language and theme.
import { ApiError, del, get, patch, post, put } from '../api.js';
import { LANGUAGES, language, setLanguage, t } from '../i18n.js';
import { html, useState } from '../lib.js';
import { loadPrefs, savePrefs, setState, useStore } from '../store.js';
import { THEMES, applyTheme } from '../theme.js';
import { Field, FormError, Loading, showError, toast, useForm, useLoad } from '../ui.js';
import { useVkEnabled } from './auth.js';

const ZONES = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

function Details() {
  const { user } = useStore();
  const form = useForm({ first_name: user.first_name || '', last_name: user.last_name || '', email: user.email || '', timezone: user.timezone });
  const { values: v, set, errors, busy } = form;
  const submit = form.submit(async (values) => {
    const body = { ...values, email: values.email.trim(), timezone: values.timezone.trim() };
    for (const key of Object.keys(body)) if (body[key] === (user[key] || '')) delete body[key]; // changes only
    const { data } = await patch('/auth/me', body);
    setState({ user: data });
    toast({ title: t('profile.saved') });
  });
  return html`<form class="card" onSubmit=${submit} novalidate aria-labelledby="details-title">
    <h2 id="details-title">${t('profile.details')}</h2>
    <p class="muted">${t('profile.username', { name: user.username })}</p>
    <div class="grid">
      <${Field} label=${t('profile.firstName')} autocomplete="given-name" value=${v.first_name} onInput=${set('first_name')} error=${errors.first_name} />
      <${Field} label=${t('profile.lastName')} autocomplete="family-name" value=${v.last_name} onInput=${set('last_name')} error=${errors.last_name} />
    </div>
    <${Field} label=${t('auth.email')} type="email" autocomplete="email" value=${v.email} onInput=${set('email')} error=${errors.email} />
    <${Field} label=${t('profile.timezone')} list="zones" autocomplete="off" value=${v.timezone} onInput=${set('timezone')} error=${errors.timezone} hint=${t('profile.timezone.hint')} />
    <datalist id="zones">${ZONES.map((zone) => html`<option value=${zone}></option>`)}</datalist>
    ${BROWSER_ZONE && v.timezone !== BROWSER_ZONE && html`<p><button type="button" class="secondary" onClick=${() => set('timezone')(BROWSER_ZONE)}>${t('profile.useBrowserZone', { zone: BROWSER_ZONE })}</button></p>`}
    <${FormError} message=${errors._form} />
    <button type="submit" class="primary" disabled=${busy}>${t('action.save')}</button>
  </form>`;
}

function Password() {
  const form = useForm({ old_password: '', new_password: '' });
  const submit = form.submit(async (v) => {
    await put('/auth/me/password', v);
    form.setValues({ old_password: '', new_password: '' });
    toast({ title: t('profile.passwordChanged'), body: t('profile.passwordChanged.body') });
  });
  return html`<form class="card" onSubmit=${submit} novalidate aria-labelledby="password-title">
    <h2 id="password-title">${t('profile.password')}</h2>
    <${Field} label=${t('profile.oldPassword')} type="password" autocomplete="current-password" value=${form.values.old_password} onInput=${form.set('old_password')} error=${form.errors.old_password} />
    <${Field} label=${t('profile.newPassword')} type="password" autocomplete="new-password" value=${form.values.new_password} onInput=${form.set('new_password')} error=${form.errors.new_password} hint=${t('auth.password.hint')} />
    <${FormError} message=${form.errors._form} />
    <button type="submit" disabled=${form.busy}>${t('profile.changePassword')}</button>
  </form>`;
}

function Telegram() {
  const [status, reload] = useLoad(async () => (await get('/bot/status')).data, []);
  const [deepLink, setDeepLink] = useState(null); // null: not asked; false: not offered by this server
  const form = useForm({ verification_code: '' });
  const submit = form.submit(async (v) => {
    await patch('/bot/verify', { verification_code: v.verification_code.trim() });
    form.setValues({ verification_code: '' });
    toast({ title: t('telegram.linked') });
    reload();
  });
  const openLink = async () => {
    try {
      setDeepLink((await post('/bot/link-token')).data.url);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 405)) setDeepLink(false);
      else showError(error);
    }
  };
  const unlink = async () => {
    try {
      await del('/bot/link');
      reload();
    } catch (error) {
      showError(error);
    }
  };
  return html`<section class="card" aria-labelledby="telegram-title">
    <h2 id="telegram-title">${t('telegram.title')}</h2>
    ${!status ? html`<${Loading} />` : status.linked ? html`
      <p>${t('telegram.linkedAs', { name: status.telegram_username ? `@${status.telegram_username}` : '—' })}</p>
      <button type="button" class="danger" onClick=${unlink}>${t('telegram.unlink')}</button>` : html`
      <p>${t('telegram.why')}</p>
      <ol><li>${t('telegram.step1')}</li><li>${t('telegram.step2')}</li><li>${t('telegram.step3')}</li></ol>
      ${deepLink ? html`<p><a class="button" href=${deepLink} target="_blank" rel="noopener noreferrer">${t('telegram.openBot')}</a></p>`
        : deepLink === null && html`<p><button type="button" class="secondary" onClick=${openLink}>${t('telegram.getLink')}</button></p>`}
      <form class="inline-form" onSubmit=${submit} novalidate>
        <${Field} label=${t('telegram.code')} inputmode="numeric" autocomplete="one-time-code" value=${form.values.verification_code} onInput=${form.set('verification_code')} error=${form.errors.verification_code} />
        <button type="submit" class="primary" disabled=${form.busy}>${t('telegram.link')}</button>
        <${FormError} message=${form.errors._form} />
      </form>`}
  </section>`;
}

function Feed() {
  const { user } = useStore();
  const [active, setActive] = useState(Boolean(user.calendar_feed && user.calendar_feed.active));
  const [url, setUrl] = useState(null);
  const [busy, setBusy] = useState(false);
  const run = (fn) => async () => {
    setBusy(true);
    try {
      await fn();
    } catch (error) {
      showError(error);
    } finally {
      setBusy(false);
    }
  };
  const rotate = run(async () => {
    if (active && !window.confirm(t('feed.confirmRotate'))) return;
    setUrl((await post('/calendar/feed-token')).data.url);
    setActive(true);
  });
  const revoke = run(async () => {
    await del('/calendar/feed-token');
    setUrl(null);
    setActive(false);
    toast({ title: t('feed.revoked') });
  });
  const copy = run(async () => {
    await navigator.clipboard.writeText(url);
    toast({ title: t('feed.copied') });
  });
  return html`<section class="card" aria-labelledby="feed-title">
    <h2 id="feed-title">${t('feed.title')}</h2>
    <p class="muted">${t('feed.why')}</p>
    ${url && html`<p class="feed-url" id="feed-url">${url}</p><p class="hint">${t('feed.secret')}</p>`}
    ${!url && active && html`<p>${t('feed.active')}</p>`}
    <div class="actions">
      ${url && html`<button type="button" onClick=${copy} disabled=${busy}>${t('feed.copy')}</button>`}
      <button type="button" class=${active ? 'secondary' : 'primary'} onClick=${rotate} disabled=${busy}>${active ? t('feed.rotate') : t('feed.create')}</button>
      ${active && html`<button type="button" class="danger" onClick=${revoke} disabled=${busy}>${t('feed.revoke')}</button>`}
    </div>
  </section>`;
}

function Vk() {
  const enabled = useVkEnabled();
  const link = async () => {
    try {
      const { data } = await post('/auth/vk/link', { next: `${window.location.origin}/profile` });
      window.location.assign(data.url);
    } catch (error) {
      showError(error);
    }
  };
  return html`<section class="card" aria-labelledby="vk-title">
    <h2 id="vk-title">VK</h2>
    <p class="muted">${enabled ? t('vk.why') : t('vk.off')}</p>
    ${enabled && html`<button type="button" class="secondary" onClick=${link}>${t('vk.link')}</button>`}
  </section>`;
}

function Appearance() {
  const prefs = loadPrefs();
  const [theme, setTheme] = useState(prefs.theme || 'system');
  const chooseLanguage = async (lang) => {
    savePrefs({ lang });
    await setLanguage(lang);
    setState({}); // redraw every screen in the new language
  };
  const chooseTheme = (value) => {
    savePrefs({ theme: value });
    applyTheme(value);
    setTheme(value);
  };
  return html`<section class="card" aria-labelledby="appearance-title">
    <h2 id="appearance-title">${t('profile.appearance')}</h2>
    <div class="grid">
      <${Field} label=${t('profile.language')} as="select" value=${language()} onInput=${chooseLanguage}>
        ${LANGUAGES.map((lang) => html`<option value=${lang}>${t(`language.${lang}`)}</option>`)}
      </${Field}>
      <${Field} label=${t('profile.theme')} as="select" value=${theme} onInput=${chooseTheme}>
        ${THEMES.map((value) => html`<option value=${value}>${t(`theme.${value}`)}</option>`)}
      </${Field}>
    </div>
  </section>`;
}

export function Profile() {
  return html`<div class="screen">
    <h1 tabindex="-1">${t('nav.profile')}</h1>
    <div class="columns">
      <div><${Details} /><${Password} /></div>
      <div><${Telegram} /><${Feed} /><${Vk} /><${Appearance} /></div>
    </div>
  </div>`;
}
