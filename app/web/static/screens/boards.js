// Boards and their categories and participants: what the Goals screen's side panel manages.
import { del, get, patch, post } from '../api.js';
import { t } from '../i18n.js';
import { html, useState } from '../lib.js';
import { useStore } from '../store.js';
import { Empty, Field, FormError, Loading, showError, useForm, useLoad } from '../ui.js';

export const ROLES = ['owner', 'writer', 'reader'];
export const canWrite = (board) => board && (board.my_role === 'owner' || board.my_role === 'writer');

/** A one-field form (title) that creates or renames something. */
export function TitleForm({ label, initial = '', submitLabel, onSubmit, field = 'title' }) {
  const form = useForm({ [field]: initial });
  const submit = form.submit(async (v) => {
    await onSubmit(v[field].trim());
    form.setValues({ [field]: '' });
  });
  return html`<form class="inline-form" onSubmit=${submit} novalidate>
    <${Field} label=${label} value=${form.values[field]} onInput=${form.set(field)} error=${form.errors[field]} />
    <button type="submit" disabled=${form.busy}>${submitLabel}</button>
    <${FormError} message=${form.errors._form} />
  </form>`;
}

export function Participants({ board, onLeft }) {
  const { user } = useStore();
  const owner = board.my_role === 'owner';
  const [result, reload] = useLoad(() => get(`/boards/${board.id}/participants`, { page_size: 100 }), [board.id]);
  const form = useForm({ username: '', role: 'writer' });
  const add = form.submit(async (v) => {
    await post(`/boards/${board.id}/participants`, { username: v.username.trim(), role: v.role });
    form.setValues({ username: '', role: v.role });
    reload();
  });
  const act = (fn) => async () => {
    try {
      await fn();
      reload();
    } catch (error) {
      showError(error);
    }
  };
  const leave = async () => {
    if (!window.confirm(t('board.confirmLeave', { title: board.title }))) return;
    try {
      await del(`/boards/${board.id}/participants/${user.id}`);
      onLeft();
    } catch (error) {
      showError(error);
    }
  };
  return html`<section aria-labelledby="participants-title">
    <h3 id="participants-title">${t('board.participants')}</h3>
    ${!result ? html`<${Loading} />` : html`<ul class="plain-list">
      ${result.data.map(
        (p) => html`<li key=${p.user_id} class="task">
          <span class="task-title">${p.username}</span>
          ${owner && p.user_id !== user.id
            ? html`<label class="visually-hidden" for=${`role-${p.user_id}`}>${t('board.roleOf', { name: p.username })}</label>
                <select id=${`role-${p.user_id}`} value=${p.role} onChange=${(e) => act(() => patch(`/boards/${board.id}/participants/${p.user_id}`, { role: e.target.value }))()}>
                  ${ROLES.map((r) => html`<option value=${r}>${t(`role.${r}`)}</option>`)}
                </select>
                <button type="button" class="danger" onClick=${act(() => del(`/boards/${board.id}/participants/${p.user_id}`))}>${t('action.remove')}</button>`
            : html`<span class="muted">${t(`role.${p.role}`)}</span>`}
        </li>`,
      )}
    </ul>`}
    ${owner && html`<form class="inline-form" onSubmit=${add} novalidate>
      <${Field} label=${t('board.addUsername')} value=${form.values.username} onInput=${form.set('username')} error=${form.errors.username} />
      <${Field} label=${t('board.role')} as="select" value=${form.values.role} onInput=${form.set('role')} error=${form.errors.role}>
        ${ROLES.map((r) => html`<option value=${r}>${t(`role.${r}`)}</option>`)}
      </${Field}>
      <button type="submit" disabled=${form.busy}>${t('action.add')}</button>
      <${FormError} message=${form.errors._form} />
    </form>`}
    <p><button type="button" class="secondary" onClick=${leave}>${t('board.leave')}</button></p>
  </section>`;
}

export function Categories({ board, categories, onChanged }) {
  const writer = canWrite(board);
  const [renaming, setRenaming] = useState(null);
  const remove = async (category) => {
    if (!window.confirm(t('category.confirmDelete', { title: category.title }))) return;
    try {
      await del(`/categories/${category.id}`);
      onChanged();
    } catch (error) {
      showError(error);
    }
  };
  return html`<section aria-labelledby="categories-title">
    <h3 id="categories-title">${t('category.title')}</h3>
    ${categories.length === 0 && html`<${Empty}>${writer ? t('category.emptyWriter') : t('category.empty')}</${Empty}>`}
    <ul class="plain-list">
      ${categories.map(
        (c) => html`<li key=${c.id} class="task">
          ${renaming === c.id
            ? html`<${TitleForm} label=${t('category.newTitle', { title: c.title })} initial=${c.title} submitLabel=${t('action.save')}
                onSubmit=${async (title) => (await patch(`/categories/${c.id}`, { title }), setRenaming(null), onChanged())} />`
            : html`<span class="task-title">${c.title}</span>
              ${writer && html`<button type="button" class="secondary" onClick=${() => setRenaming(c.id)} aria-label=${t('category.renameOne', { title: c.title })}>${t('action.rename')}</button>
                <button type="button" class="danger" onClick=${() => remove(c)} aria-label=${t('category.deleteOne', { title: c.title })}>${t('action.delete')}</button>`}`}
        </li>`,
      )}
    </ul>
    ${writer && html`<${TitleForm} label=${t('category.new')} submitLabel=${t('action.add')}
      onSubmit=${async (title) => (await post('/categories', { title, board_id: board.id }), onChanged())} />`}
  </section>`;
}

export function BoardSettings({ board, onChanged, onGone }) {
  const owner = board.my_role === 'owner';
  const remove = async () => {
    if (!window.confirm(t('board.confirmDelete', { title: board.title }))) return;
    try {
      await del(`/boards/${board.id}`);
      onGone();
    } catch (error) {
      showError(error);
    }
  };
  return html`<div class="card">
    <h2>${t('board.settings', { title: board.title })}</h2>
    <p class="muted">${t('board.yourRole', { role: t(`role.${board.my_role}`) })}</p>
    ${owner && html`<${TitleForm} label=${t('board.rename')} initial=${board.title} submitLabel=${t('action.save')}
      onSubmit=${async (title) => (await patch(`/boards/${board.id}`, { title }), onChanged())} />
      <p><button type="button" class="danger" onClick=${remove}>${t('board.delete')}</button></p>`}
    <${Participants} board=${board} onLeft=${onGone} />
  </div>`;
}
