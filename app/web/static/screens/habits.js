// Habits: "I will [action] at [time] in [place]", the last 7 days, the streak, one tap for today, the five rules.
import { ApiError, del, get, patch, post } from '../api.js';
import { plural, t } from '../i18n.js';
import { html, useEffect, useRef, useState } from '../lib.js';
import { useStore } from '../store.js';
import { Empty, Field, FormError, Loading, Pager, addDays, formatDateTime, showError, todayIn, useForm, useLoad, weekday } from '../ui.js';

const WEEK = 7;
const FRESH_MS = 5 * 60_000;
const weeks = new Map(); // habit id -> {key, at, promise}: the week strips already asked for

/**
 * The last 7 days' states `{date: state}` from /habits/{id}/stats, one request per habit and not again while
 * what the list says about the habit (today, period, today's state, streaks) is unchanged, for a few minutes.
 */
export function weekOf(habit, today) {
  const key = [today, habit.periodicity_days, habit.done_today, habit.skipped_today, habit.current_streak, habit.best_streak].join('|');
  const hit = weeks.get(habit.id);
  if (hit && hit.key === key && Date.now() - hit.at < FRESH_MS) return hit.promise;
  const promise = get(`/habits/${habit.id}/stats`, { days: WEEK }).then(({ data }) => Object.fromEntries(data.days.map((day) => [day.date, day.state])));
  weeks.set(habit.id, { key, at: Date.now(), promise });
  promise.catch(() => weeks.get(habit.id)?.promise === promise && weeks.delete(habit.id));
  return promise;
}

/**
 * Kept already: a day before today in the habit's current period (its last `periodicity_days` days, counted
 * back from today as the streaks count them) is done or skipped, so the habit is not due today.
 */
export function keptBeforeToday(habit, days, today) {
  for (let back = 1; back < habit.periodicity_days; back++) {
    const state = days[addDays(today, -back)];
    if (state === 'done' || state === 'skipped') return true;
  }
  return false;
}

/** Call `show` once `element` is on (or near) the screen: strips below the fold cost nothing until seen. */
function whenVisible(element, show) {
  if (!element || typeof IntersectionObserver === 'undefined') {
    show();
    return () => {};
  }
  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        observer.disconnect();
        show();
      }
    },
    { rootMargin: '100px' },
  );
  observer.observe(element);
  return () => observer.disconnect();
}

export function sentence(habit) {
  return t('habit.sentence', { action: habit.action, time: habit.time, place: habit.place });
}

/** One habit as a list item: its sentence, the week, the streak and the "Done today" toggle. */
export function HabitItem({ habit: initial, onEdit, onDelete, compact = false }) {
  const { user } = useStore();
  const zone = user.timezone;
  const today = todayIn(zone);
  const [habit, setHabit] = useState(initial);
  const [days, setDays] = useState(null);
  const [busy, setBusy] = useState(false);
  const item = useRef(null);
  useEffect(() => setHabit(initial), [initial]);
  const state = [habit.id, habit.done_today, habit.skipped_today, habit.current_streak, habit.periodicity_days].join('|');
  useEffect(() => {
    let live = true;
    const stop = whenVisible(item.current, () =>
      weekOf(habit, today)
        .then((week) => live && setDays(week))
        .catch(showError),
    );
    return () => {
      live = false;
      stop();
    };
  }, [state, today]);
  const done = habit.done_today ?? (days ? days[today] === 'done' : false);
  const skipped = habit.skipped_today ?? (days ? days[today] === 'skipped' : false);
  const act = (change) => async () => {
    setBusy(true);
    try {
      await change();
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 409)) showError(error); // 409: already decided
    }
    try {
      weeks.delete(habit.id); // the strip follows: the fresh habit's state asks /stats again
      setHabit((await get(`/habits/${habit.id}`)).data);
    } catch (error) {
      showError(error);
    } finally {
      setBusy(false);
    }
  };
  const toggle = act(() => (done ? del(`/habits/${habit.id}/completions/${today}`) : post(`/habits/${habit.id}/completions`, {})));
  const toggleSkip = act(() => (skipped ? del(`/habits/${habit.id}/skips/${today}`) : post(`/habits/${habit.id}/skips`, {})));
  const week = Array.from({ length: WEEK }, (_, i) => addDays(today, i - (WEEK - 1)));
  return html`<li class="habit" ref=${item}>
    <p class="habit-action">${sentence(habit)}</p>
    <div class="habit-meta">
      <span class="streak">${plural('habit.streak', habit.current_streak || 0)}</span>
      ${habit.best_streak != null && html`<span class="best">${t('habit.best', { n: habit.best_streak })}</span>`}
      ${habit.is_pleasant && html`<span class="tag">${t('habit.pleasant')}</span>`}
      ${habit.is_public && html`<span class="tag">${t('habit.public')}</span>`}
      ${!compact && habit.next_reminder_at && html`<span>${t('habit.next', { when: formatDateTime(habit.next_reminder_at, zone) })}</span>`}
    </div>
    <ol class="week" aria-label=${t('habit.week')}>
      ${week.map((date) => {
        const state = days ? days[date] || 'none' : 'none';
        return html`<li key=${date} class=${`day day-${state}`} title=${date}>
          <span aria-hidden="true">${weekday(date)}</span>
          <span class="visually-hidden">${date}: ${t(`habit.state.${state}`)}</span>
        </li>`;
      })}
    </ol>
    <div class="actions">
      <button type="button" class="toggle" aria-pressed=${done ? 'true' : 'false'} disabled=${busy || skipped} onClick=${toggle}>${t('habit.doneToday')}</button>
      ${!done && html`<button type="button" class="toggle skip-day" aria-pressed=${skipped ? 'true' : 'false'} disabled=${busy} onClick=${toggleSkip}>${t('habit.skipToday')}</button>`}
      ${onEdit && html`<button type="button" class="secondary" onClick=${() => onEdit(habit)}>${t('action.edit')}</button>`}
      ${onDelete && html`<button type="button" class="danger" onClick=${() => onDelete(habit)}>${t('action.delete')}</button>`}
    </div>
  </li>`;
}

const FIELDS = ['action', 'time', 'place', 'periodicity_days', 'duration_seconds', 'is_pleasant', 'reward', 'related_habit_id', 'is_public'];

function blank() {
  return { action: '', time: '08:00', place: '', periodicity_days: '1', duration_seconds: '60', is_pleasant: false, reward: '', related_habit_id: '', is_public: false };
}

function toForm(habit) {
  return {
    ...habit,
    periodicity_days: String(habit.periodicity_days),
    duration_seconds: String(habit.duration_seconds),
    reward: habit.reward || '',
    related_habit_id: habit.related_habit_id ? String(habit.related_habit_id) : '',
  };
}

function toBody(v) {
  const number = (s) => (s === '' || Number.isNaN(Number(s)) ? s : Number(s)); // the API says what is wrong
  return {
    action: v.action.trim(),
    time: v.time,
    place: v.place.trim(),
    periodicity_days: number(v.periodicity_days),
    duration_seconds: number(v.duration_seconds),
    is_pleasant: v.is_pleasant,
    reward: v.is_pleasant ? null : v.reward.trim() || null, // a pleasant habit is its own reward (rule 4)
    related_habit_id: !v.is_pleasant && v.related_habit_id ? Number(v.related_habit_id) : null,
    is_public: v.is_public,
  };
}

/** Create or edit a habit; the five rules are explained beside their fields, the API's 422s shown on them. */
export function HabitForm({ habit, pleasant, onSaved, onCancel }) {
  const form = useForm(habit ? toForm(habit) : blank());
  const { values: v, set, errors, busy } = form;
  const submit = form.submit(async (values) => {
    const body = toBody(values);
    const { data } = habit ? await patch(`/habits/${habit.id}`, body) : await post('/habits', body);
    onSaved(data);
  }, FIELDS);
  const choices = pleasant.filter((p) => !habit || p.id !== habit.id);
  return html`<form class="card habit-form" onSubmit=${submit} novalidate aria-labelledby="habit-form-title">
    <h2 id="habit-form-title">${habit ? t('habit.edit') : t('habit.new')}</h2>
    <p class="hint">${t('habit.formula')}</p>
    <div class="grid">
      <${Field} label=${t('habit.action')} value=${v.action} onInput=${set('action')} error=${errors.action} required />
      <${Field} label=${t('habit.time')} type="time" value=${v.time} onInput=${set('time')} error=${errors.time} required />
      <${Field} label=${t('habit.place')} value=${v.place} onInput=${set('place')} error=${errors.place} required />
      <${Field} label=${t('habit.periodicity')} as="select" value=${v.periodicity_days} onInput=${set('periodicity_days')} error=${errors.periodicity_days} hint=${t('habit.rule.periodicity')}>
        ${[1, 2, 3, 4, 5, 6, 7].map((n) => html`<option value=${String(n)}>${plural('habit.every', n)}</option>`)}
      </${Field}>
      <${Field} label=${t('habit.duration')} type="number" inputmode="numeric" value=${v.duration_seconds} onInput=${set('duration_seconds')} error=${errors.duration_seconds} hint=${t('habit.rule.duration')} />
    </div>
    <${Field} label=${t('habit.isPleasant')} type="checkbox" value=${v.is_pleasant} onInput=${set('is_pleasant')} error=${errors.is_pleasant} hint=${t('habit.rule.pleasant')} />
    <fieldset disabled=${v.is_pleasant}>
      <legend>${t('habit.motivation')}</legend>
      <p class="hint">${t('habit.rule.either')}</p>
      <${Field} label=${t('habit.reward')} value=${v.reward} onInput=${set('reward')} error=${errors.reward} />
      <${Field} label=${t('habit.related')} as="select" value=${v.related_habit_id} onInput=${set('related_habit_id')} error=${errors.related_habit_id} hint=${t('habit.rule.related')}>
        <option value="">${t('habit.related.none')}</option>
        ${choices.map((p) => html`<option value=${String(p.id)}>${p.action}</option>`)}
      </${Field}>
    </fieldset>
    <${Field} label=${t('habit.isPublic')} type="checkbox" value=${v.is_public} onInput=${set('is_public')} error=${errors.is_public} />
    <${FormError} message=${errors._form || errors._schema} />
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${t('action.save')}</button>
      ${onCancel && html`<button type="button" class="secondary" onClick=${onCancel}>${t('action.cancel')}</button>`}
    </div>
  </form>`;
}

function PublicHabits() {
  const [pageNo, setPageNo] = useState(1);
  const [result] = useLoad(() => get('/habits/public', { page: pageNo, page_size: 10 }), [pageNo]);
  return html`<section aria-labelledby="public-title">
    <h2 id="public-title">${t('habit.publicTitle')}</h2>
    ${!result ? html`<${Loading} />` : result.data.length === 0 ? html`<${Empty}>${t('habit.publicEmpty')}</${Empty}>` : html`
      <ul class="plain-list">${result.data.map((h) => html`<li key=${h.id}>${sentence(h)} <span class="muted">${plural('habit.every', h.periodicity_days)}</span></li>`)}</ul>
      <${Pager} page=${result.page} onPage=${setPageNo} />`}
  </section>`;
}

export function Habits() {
  const [pageNo, setPageNo] = useState(1);
  const [editing, setEditing] = useState(null); // null: list; 'new'; or a habit
  const [result, reload] = useLoad(() => get('/habits', { page: pageNo, page_size: 10 }), [pageNo]);
  // The pleasant habits (the form's "linked habit" choices) only when the form is open: not on every visit.
  const [pleasant, reloadPleasant] = useLoad(
    async () => (editing === null ? null : (await get('/habits', { page_size: 100 })).data.filter((h) => h.is_pleasant)),
    [editing !== null],
  );
  const saved = () => {
    setEditing(null);
    reload();
    reloadPleasant();
  };
  const remove = async (habit) => {
    if (!window.confirm(t('habit.confirmDelete', { action: habit.action }))) return;
    try {
      await del(`/habits/${habit.id}`);
      reload();
      reloadPleasant();
    } catch (error) {
      showError(error);
    }
  };
  return html`<div class="screen">
    <div class="screen-head">
      <h1 tabindex="-1">${t('nav.habits')}</h1>
      ${editing === null && html`<button type="button" class="primary" onClick=${() => setEditing('new')}>${t('habit.new')}</button>`}
    </div>
    ${editing !== null && (pleasant ? html`<${HabitForm} habit=${editing === 'new' ? null : editing} pleasant=${pleasant} onSaved=${saved} onCancel=${() => setEditing(null)} />` : html`<${Loading} />`)}
    <section aria-labelledby="mine-title">
      <h2 id="mine-title">${t('habit.mine')}</h2>
      ${!result ? html`<${Loading} />` : result.data.length === 0 ? html`<${Empty}>${t('habit.empty')}</${Empty}>` : html`
        <ul class="habits">${result.data.map((h) => html`<${HabitItem} key=${h.id} habit=${h} onEdit=${setEditing} onDelete=${remove} />`)}</ul>
        <${Pager} page=${result.page} onPage=${setPageNo} />`}
    </section>
    <${PublicHabits} />
  </div>`;
}
