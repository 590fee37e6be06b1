// Goals: boards, categories, the filtered and paged goal list, create, export; a goal's detail with comments.
import { get, patch, post } from '../api.js';
import { t } from '../i18n.js';
import { html, useEffect, useState } from '../lib.js';
import { Link, navigate, useLocation } from '../router.js';
import { Empty, Field, FormError, Loading, Pager, formatDate, showError, toast, useForm, useLoad } from '../ui.js';
import { BoardSettings, Categories, TitleForm, canWrite } from './boards.js';
import { daysLeft } from './today.js';

export const STATUSES = ['todo', 'in_progress', 'done', 'overdue', 'archived'];
export const PRIORITIES = ['low', 'medium', 'high', 'critical'];
const ORDERINGS = ['due_date', '-due_date', 'priority', '-priority', 'created_at', '-created_at', 'title'];
const GOAL_FIELDS = ['title', 'description', 'category_id', 'priority', 'status', 'start_date', 'due_date'];

/** Create or edit a goal; the API's 422s (dates in order, a category I may write to) land on the fields. */
export function GoalForm({ goal, categories, onSaved, onCancel }) {
  const form = useForm({
    title: goal ? goal.title : '',
    description: goal ? goal.description || '' : '',
    category_id: goal ? String(goal.category_id) : categories[0] ? String(categories[0].id) : '',
    priority: goal ? goal.priority : 'medium',
    status: goal ? goal.status : 'todo',
    start_date: goal ? goal.start_date || '' : '',
    due_date: goal ? goal.due_date || '' : '',
  });
  const { values: v, set, errors, busy } = form;
  const submit = form.submit(async (values) => {
    const body = {
      title: values.title.trim(),
      description: values.description,
      category_id: values.category_id ? Number(values.category_id) : null,
      priority: values.priority,
      start_date: values.start_date || null,
      due_date: values.due_date || null,
    };
    if (!goal || values.status !== goal.status) body.status = values.status; // "overdue" is the server's to set
    const { data } = goal ? await patch(`/goals/${goal.id}`, body) : await post('/goals', body);
    onSaved(data);
  }, GOAL_FIELDS);
  const statuses = STATUSES.filter((s) => s !== 'archived' && (s !== 'overdue' || (goal && goal.status === 'overdue')));
  return html`<form class="card" onSubmit=${submit} novalidate aria-labelledby="goal-form-title">
    <h2 id="goal-form-title">${goal ? t('goal.edit') : t('goal.new')}</h2>
    <${Field} label=${t('goal.titleField')} value=${v.title} onInput=${set('title')} error=${errors.title} required />
    <${Field} label=${t('goal.description')} as="textarea" value=${v.description} onInput=${set('description')} error=${errors.description} />
    <div class="grid">
      <${Field} label=${t('goal.category')} as="select" value=${v.category_id} onInput=${set('category_id')} error=${errors.category_id}>
        ${categories.map((c) => html`<option value=${String(c.id)}>${c.title}</option>`)}
      </${Field}>
      <${Field} label=${t('goal.priority')} as="select" value=${v.priority} onInput=${set('priority')} error=${errors.priority}>
        ${PRIORITIES.map((p) => html`<option value=${p}>${t(`priority.${p}`)}</option>`)}
      </${Field}>
      <${Field} label=${t('goal.status')} as="select" value=${v.status} onInput=${set('status')} error=${errors.status}>
        ${statuses.map((s) => html`<option value=${s}>${t(`status.${s}`)}</option>`)}
      </${Field}>
      <${Field} label=${t('goal.start')} type="date" value=${v.start_date} onInput=${set('start_date')} error=${errors.start_date} />
      <${Field} label=${t('goal.due')} type="date" value=${v.due_date} onInput=${set('due_date')} error=${errors.due_date} />
    </div>
    <${FormError} message=${errors._form || errors._schema} />
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${t('action.save')}</button>
      ${onCancel && html`<button type="button" class="secondary" onClick=${onCancel}>${t('action.cancel')}</button>`}
    </div>
  </form>`;
}

function Filters({ filters, setFilters, categories }) {
  const set = (name) => (value) => setFilters({ ...filters, [name]: value, page: 1 });
  const tick = (status) => (on) =>
    set('status')(on ? STATUSES.filter((s) => s === status || filters.status.includes(s)) : filters.status.filter((s) => s !== status));
  return html`<form class="filters" role="search" onSubmit=${(e) => e.preventDefault()}>
    <${Field} label=${t('goal.search')} type="search" value=${filters.search} onInput=${set('search')} />
    <fieldset class="status-filter" aria-describedby="status-filter-hint">
      <legend>${t('goal.status')}</legend>
      ${STATUSES.map(
        (s) => html`<label key=${s} class="chip"><input type="checkbox" checked=${filters.status.includes(s)} onChange=${(e) => tick(s)(e.target.checked)} />${t(`status.${s}`)}</label>`,
      )}
      <p class="hint" id="status-filter-hint">${filters.status.length ? t('filter.statusPicked') : t('filter.openAndDone')}</p>
    </fieldset>
    <${Field} label=${t('goal.category')} as="select" value=${filters.category} onInput=${set('category')}>
      <option value="">${t('filter.any')}</option>
      ${categories.map((c) => html`<option value=${String(c.id)}>${c.title}</option>`)}
    </${Field}>
    <${Field} label=${t('goal.priority')} as="select" value=${filters.priority} onInput=${set('priority')}>
      <option value="">${t('filter.any')}</option>
      ${PRIORITIES.map((p) => html`<option value=${p}>${t(`priority.${p}`)}</option>`)}
    </${Field}>
    <${Field} label=${t('goal.year')} type="number" inputmode="numeric" value=${filters.year} onInput=${set('year')} />
    <${Field} label=${t('goal.ordering')} as="select" value=${filters.ordering} onInput=${set('ordering')}>
      ${ORDERINGS.map((o) => html`<option value=${o}>${t(`ordering.${o}`)}</option>`)}
    </${Field}>
  </form>`;
}

/** The list's filters live in the address (`/goals?board=3&status=todo&status=done&page=2`): reload, back and a
 * shared link keep them. */
function filtersFrom(params) {
  const one = (name, allowed) => {
    const value = params.get(name) || '';
    return !allowed || allowed.includes(value) ? value : '';
  };
  return {
    search: one('search'),
    status: STATUSES.filter((s) => params.getAll('status').includes(s)),
    category: /^\d+$/.test(one('category')) ? one('category') : '',
    priority: one('priority', PRIORITIES),
    year: one('year'),
    ordering: one('ordering', ORDERINGS) || 'due_date',
    page: Math.max(1, Number(params.get('page')) || 1),
  };
}

function filtersPath(board, filters) {
  const params = new URLSearchParams({ board: String(board.id) });
  for (const [name, value] of Object.entries(filters)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== '' && !(name === 'page' && item === 1) && !(name === 'ordering' && item === 'due_date')) params.append(name, String(item));
    }
  }
  return `/goals?${params}`;
}

function query(board, filters) {
  return {
    board: board.id,
    search: filters.search.trim() || undefined,
    status: filters.status.length ? filters.status : undefined,
    category: filters.category || undefined,
    priority: filters.priority || undefined,
    year: /^\d{1,4}$/.test(filters.year) ? filters.year : undefined,
    ordering: filters.ordering,
  };
}

async function download(board, filters, format) {
  try {
    const { data } = await get('/goals/export', { ...query(board, filters), format }, { blob: true });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(data);
    link.download = `goals.${format}`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (error) {
    showError(error);
  }
}

function GoalList({ board, categories }) {
  const { query: params } = useLocation();
  const filters = filtersFrom(params);
  const setFilters = (next) => navigate(filtersPath(board, next), { replace: true });
  const [creating, setCreating] = useState(false);
  const [result, reload] = useLoad(() => get('/goals', { ...query(board, filters), page: filters.page, page_size: 20 }), [board.id, JSON.stringify(filters)]);
  const byId = Object.fromEntries(categories.map((c) => [c.id, c.title]));
  return html`<section aria-labelledby="goal-list-title">
    <div class="screen-head">
      <h2 id="goal-list-title">${t('goal.list')}</h2>
      <div class="actions">
        ${canWrite(board) && categories.length > 0 && !creating && html`<button type="button" class="primary" onClick=${() => setCreating(true)}>${t('goal.new')}</button>`}
        <button type="button" class="secondary" onClick=${() => download(board, filters, 'csv')}>${t('goal.exportCsv')}</button>
        <button type="button" class="secondary" onClick=${() => download(board, filters, 'json')}>${t('goal.exportJson')}</button>
      </div>
    </div>
    ${creating && html`<${GoalForm} categories=${categories} onCancel=${() => setCreating(false)}
      onSaved=${(goal) => (setCreating(false), reload(), toast({ title: t('goal.created'), body: goal.title }))} />`}
    <${Filters} filters=${filters} setFilters=${setFilters} categories=${categories} />
    ${!result ? html`<${Loading} />` : result.data.length === 0 ? html`<${Empty}>${t('goal.empty')}</${Empty}>` : html`
      <div class="table-wrap"><table class="goal-table">
        <thead><tr><th scope="col">${t('goal.titleField')}</th><th scope="col">${t('goal.status')}</th><th scope="col">${t('goal.priority')}</th><th scope="col">${t('goal.category')}</th><th scope="col">${t('goal.due')}</th></tr></thead>
        <tbody>${result.data.map(
          (g) => html`<tr key=${g.id}>
            <td><${Link} href=${`/goals/${g.id}`}>${g.title}</${Link}></td>
            <td data-label=${t('goal.status')}>${t(`status.${g.status}`)}</td>
            <td data-label=${t('goal.priority')}>${t(`priority.${g.priority}`)}</td>
            <td data-label=${t('goal.category')}>${byId[g.category_id] || ''}</td>
            <td data-label=${t('goal.due')}>${formatDate(g.due_date) || '—'} <span class="muted">${daysLeft(g)}</span></td>
          </tr>`,
        )}</tbody>
      </table></div>
      <${Pager} page=${result.page} onPage=${(page) => setFilters({ ...filters, page })} />`}
  </section>`;
}

export function Goals() {
  const { query: params } = useLocation();
  const [boards, reloadBoards] = useLoad(async () => (await get('/boards', { page_size: 100 })).data, []);
  const wanted = Number(params.get('board'));
  const board = boards && (boards.find((b) => b.id === wanted) || boards[0]);
  const [categories, reloadCategories] = useLoad(async () => (board ? (await get('/categories', { board: board.id, page_size: 100 })).data : []), [board && board.id]);
  const [settings, setSettings] = useState(false);
  const choose = (id) => navigate(`/goals?board=${id}`);
  if (!boards) return html`<div class="screen"><h1 tabindex="-1">${t('nav.goals')}</h1><${Loading} /></div>`;
  return html`<div class="screen">
    <div class="screen-head">
      <h1 tabindex="-1">${t('nav.goals')}</h1>
      ${board && html`<div class="inline-form">
        <${Field} label=${t('board.board')} as="select" value=${String(board.id)} onInput=${(id) => choose(Number(id))}>
          ${boards.map((b) => html`<option value=${String(b.id)}>${b.title}</option>`)}
        </${Field}>
        <button type="button" class="secondary" aria-expanded=${settings ? 'true' : 'false'} onClick=${() => setSettings(!settings)}>${t('board.manage')}</button>
      </div>`}
    </div>
    ${settings && board && html`<${BoardSettings} board=${board} onChanged=${reloadBoards} onGone=${() => (setSettings(false), navigate('/goals', { replace: true }), reloadBoards())} />`}
    <details class="card">
      <summary>${t('board.new')}</summary>
      <${TitleForm} label=${t('board.newTitle')} submitLabel=${t('action.create')}
        onSubmit=${async (title) => {
          const { data } = await post('/boards', { title });
          reloadBoards();
          choose(data.id);
        }} />
    </details>
    ${!board ? html`<${Empty}>${t('board.none')}</${Empty}>` : categories && html`<div class="goals-layout">
      <${GoalList} key=${board.id} board=${board} categories=${categories} />
      <aside><${Categories} board=${board} categories=${categories} onChanged=${reloadCategories} /></aside>
    </div>`}
  </div>`;
}

function Comments({ goal, writer }) {
  const [pageNo, setPageNo] = useState(1);
  const [result, reload] = useLoad(() => get(`/goals/${goal.id}/comments`, { page: pageNo, page_size: 20 }), [goal.id, pageNo]);
  const form = useForm({ text: '' });
  const submit = form.submit(async (v) => {
    await post(`/goals/${goal.id}/comments`, { text: v.text.trim() });
    form.setValues({ text: '' });
    reload();
  });
  return html`<section aria-labelledby="comments-title">
    <h2 id="comments-title">${t('comment.title')}</h2>
    ${!result ? html`<${Loading} />` : result.data.length === 0 ? html`<${Empty}>${t('comment.empty')}</${Empty}>` : html`
      <ul class="plain-list">${result.data.map(
        (c) => html`<li key=${c.id} class="comment"><strong>${c.author_username || '—'}</strong> <span class="muted">${formatDate((c.created_at || '').slice(0, 10))}</span><p>${c.text}</p></li>`,
      )}</ul>
      <${Pager} page=${result.page} onPage=${setPageNo} />`}
    ${writer && html`<form onSubmit=${submit} novalidate>
      <${Field} label=${t('comment.new')} as="textarea" value=${form.values.text} onInput=${form.set('text')} error=${form.errors.text} />
      <${FormError} message=${form.errors._form} />
      <button type="submit" disabled=${form.busy}>${t('comment.add')}</button>
    </form>`}
  </section>`;
}

export function GoalDetail({ id }) {
  const [goal, reload, error, setGoal] = useLoad(async () => (await get(`/goals/${id}`)).data, [id]);
  const [board] = useLoad(async () => (goal ? (await get(`/boards/${goal.board_id}`)).data : null), [goal && goal.board_id]);
  const [categories] = useLoad(async () => (goal ? (await get('/categories', { board: goal.board_id, page_size: 100 })).data : []), [goal && goal.board_id]);
  const [editing, setEditing] = useState(false);
  useEffect(() => setEditing(false), [id]);
  if (error) return html`<div class="screen"><h1 tabindex="-1">${t('error.404')}</h1><${Link} href="/goals">${t('nav.goals')}</${Link}></div>`;
  if (!goal || !board || !categories) return html`<div class="screen"><h1 tabindex="-1">${t('nav.goals')}</h1><${Loading} /></div>`;
  const writer = canWrite(board);
  const archive = async () => {
    try {
      await patch(`/goals/${goal.id}`, { status: 'archived' });
      reload();
    } catch (err) {
      showError(err);
    }
  };
  const category = categories.find((c) => c.id === goal.category_id);
  return html`<div class="screen">
    <p><${Link} href=${`/goals?board=${goal.board_id}`}>← ${board.title}</${Link}></p>
    <div class="screen-head">
      <h1 tabindex="-1">${goal.title}</h1>
      ${writer && !editing && html`<div class="actions">
        <button type="button" class="secondary" onClick=${() => setEditing(true)}>${t('action.edit')}</button>
        ${goal.status !== 'archived' && html`<button type="button" class="danger" onClick=${archive}>${t('goal.archive')}</button>`}
      </div>`}
    </div>
    ${editing
      ? html`<${GoalForm} goal=${goal} categories=${categories} onCancel=${() => setEditing(false)} onSaved=${(g) => (setGoal(g), setEditing(false))} />`
      : html`<dl class="card details">
          <dt>${t('goal.status')}</dt><dd>${t(`status.${goal.status}`)}</dd>
          <dt>${t('goal.priority')}</dt><dd>${t(`priority.${goal.priority}`)}</dd>
          <dt>${t('goal.category')}</dt><dd>${category ? category.title : '—'}</dd>
          <dt>${t('goal.start')}</dt><dd>${formatDate(goal.start_date) || '—'}</dd>
          <dt>${t('goal.due')}</dt><dd>${formatDate(goal.due_date) || '—'} <span class="muted">${daysLeft(goal)}</span></dd>
          <dt>${t('goal.description')}</dt><dd class="pre">${goal.description || '—'}</dd>
        </dl>`}
    <${Comments} goal=${goal} writer=${writer} />
  </div>`;
}
