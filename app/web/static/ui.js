// Shared pieces: labelled fields with their API error, forms, toasts, paging, dates in the profile's zone.
import { ApiError } from './api.js';
import { language, t } from './i18n.js';
import { html, useEffect, useRef, useState } from './lib.js';

let nextId = 0;
const uid = (prefix) => `${prefix}-${++nextId}`;

function useId(prefix) {
  const ref = useRef(null);
  if (ref.current === null) ref.current = uid(prefix);
  return ref.current;
}

/**
 * A labelled input; `error` (the API's 422 message for this field) is shown below it and is the input's
 * accessible description (`aria-describedby`), `hint` explains the rule beforehand.
 */
export function Field({ label, error, hint, type = 'text', value, onInput, as, children, ...attrs }) {
  const id = useId('f');
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const described = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  const common = { id, 'aria-describedby': described, 'aria-invalid': error ? 'true' : undefined, ...attrs };
  let control;
  if (as === 'select') {
    control = html`<select ...${common} value=${value} onChange=${(e) => onInput(e.target.value)}>${children}</select>`;
  } else if (as === 'textarea') {
    control = html`<textarea ...${common} value=${value} onInput=${(e) => onInput(e.target.value)}></textarea>`;
  } else if (type === 'checkbox') {
    return html`<div class="field check">
      <input ...${common} type="checkbox" checked=${value} onChange=${(e) => onInput(e.target.checked)} />
      <label for=${id}>${label}</label>
      ${hint && html`<p class="hint" id=${hintId}>${hint}</p>`}
      ${error && html`<p class="field-error" id=${errorId}>${error}</p>`}
    </div>`;
  } else {
    control = html`<input ...${common} type=${type} value=${value ?? ''} onInput=${(e) => onInput(e.target.value)} />`;
  }
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${control}
    ${hint && html`<p class="hint" id=${hintId}>${hint}</p>`}
    ${error && html`<p class="field-error" id=${errorId}>${error}</p>`}
  </div>`;
}

/**
 * Form state: values, the API's field errors, a message for errors that name no field on this form, busy.
 * `submit(fn)` runs fn(values); a 422 lands on the fields, anything else becomes a toast.
 */
export function useForm(initial) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const set = (name) => (value) => setValues((v) => ({ ...v, [name]: value }));
  const submit = (fn, fieldNames) => async (event) => {
    if (event) event.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      await fn(values);
    } catch (error) {
      const fields = error instanceof ApiError && error.status === 422 ? error.fields : null;
      if (fields && Object.keys(fields).length) {
        const known = fieldNames || Object.keys(values);
        const other = Object.entries(fields).filter(([name]) => !known.includes(name));
        setErrors({ ...fields, _form: other.map(([, message]) => message).join(' ') || undefined });
      } else {
        showError(error);
      }
    } finally {
      setBusy(false);
    }
  };
  return { values, setValues, set, errors, setErrors, busy, submit };
}

export function FormError({ message }) {
  return message ? html`<p class="form-error" role="alert">${message}</p>` : null;
}

// -- toasts ----------------------------------------------------------------------------------------------
const TOAST_MS = 6000;
let toasts = [];
const toastListeners = new Set();

export function toast({ title, body = '', level = 'info' }) {
  const item = { id: uid('t'), title, body, level };
  toasts = [...toasts, item];
  toastListeners.forEach((fn) => fn(toasts));
  setTimeout(() => dismiss(item.id), level === 'error' ? TOAST_MS + 4000 : TOAST_MS);
}

function dismiss(id) {
  toasts = toasts.filter((item) => item.id !== id);
  toastListeners.forEach((fn) => fn(toasts));
}

/** A toast for an error that no field shows: the API's message, and when to retry after a 429. */
export function showError(error) {
  if (!(error instanceof ApiError)) {
    toast({ title: t('error.network'), body: String(error.message || error), level: 'error' });
    return;
  }
  let body = error.message;
  if (error.status === 429) body = t('error.retry', { seconds: error.retryAfter || 60 });
  toast({ title: t(`error.${error.status}`) === `error.${error.status}` ? t('error.generic') : t(`error.${error.status}`), body, level: 'error' });
}

export function Toasts() {
  const [items, setItems] = useState(toasts);
  useEffect(() => {
    toastListeners.add(setItems);
    return () => toastListeners.delete(setItems);
  }, []);
  return html`<section class="toasts" aria-label=${t('toasts.label')}>
    ${items.map(
      (item) => html`<div key=${item.id} class=${`toast toast-${item.level}`} role=${item.level === 'error' ? 'alert' : 'status'}>
        <strong class="toast-title">${item.title}</strong>
        ${item.body && html`<span class="toast-body">${item.body}</span>`}
        <button type="button" class="toast-close" aria-label=${t('toasts.dismiss')} onClick=${() => dismiss(item.id)}>×</button>
      </div>`,
    )}
  </section>`;
}

// -- paging and small pieces ----------------------------------------------------------------------------
/** Previous / next over flask-smorest's X-Pagination header. */
export function Pager({ page, onPage, label }) {
  if (!page || page.total_pages <= 1) return null;
  return html`<nav class="pager" aria-label=${label || t('pager.label')}>
    <button type="button" disabled=${!page.previous_page} onClick=${() => onPage(page.previous_page)}>${t('pager.previous')}</button>
    <span>${t('pager.position', { page: page.page, pages: page.total_pages, total: page.total })}</span>
    <button type="button" disabled=${!page.next_page} onClick=${() => onPage(page.next_page)}>${t('pager.next')}</button>
  </nav>`;
}

export function Empty({ children }) {
  return html`<p class="empty">${children}</p>`;
}

export function Loading() {
  return html`<p class="loading" aria-busy="true">${t('loading')}</p>`;
}

/** Run `load` whenever `deps` change; returns [data, reload, error]. */
export function useLoad(load, deps) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load()
      .then((value) => live && (setData(value), setError(null)))
      .catch((err) => {
        if (!live) return;
        setError(err);
        showError(err);
      });
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return [data, () => setTick((n) => n + 1), error, setData];
}

// -- dates in the profile's time zone -------------------------------------------------------------------
/** Today's date (YYYY-MM-DD) in the IANA zone `zone` (the profile's), not the browser's. */
export function todayIn(zone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(),
  );
}

export function addDays(isoDate, days) {
  const d = new Date(`${isoDate}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function formatDate(isoDate) {
  if (!isoDate) return '';
  return new Intl.DateTimeFormat(language(), { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${isoDate}T12:00:00Z`));
}

export function weekday(isoDate) {
  return new Intl.DateTimeFormat(language(), { weekday: 'short', timeZone: 'UTC' }).format(new Date(`${isoDate}T12:00:00Z`));
}

export function formatDateTime(iso, zone) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(language(), { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(new Date(iso));
}

/** A wall-clock "YYYY-MM-DDTHH:MM" in the IANA zone `zone` as an ISO instant (UTC). */
export function zonedToUtc(local, zone) {
  const [date, time] = local.split('T');
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  let instant = wall;
  for (let i = 0; i < 2; i++) instant = wall - offsetMs(instant, zone); // twice: DST edges settle
  return new Date(instant).toISOString();
}

/** The instant `iso` as "YYYY-MM-DDTHH:MM" on the wall clock of `zone` (for datetime-local inputs). */
export function utcToZoned(iso, zone) {
  if (!iso) return '';
  const instant = new Date(iso).getTime();
  return new Date(instant + offsetMs(instant, zone)).toISOString().slice(0, 16);
}

function offsetMs(instant, zone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(instant / 1000) * 1000;
}
