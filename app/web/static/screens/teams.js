// Teams: my teams; a team's members, its task lists with their tasks, updated live over /ws/teams/{id}.
import { del, get, patch, post } from '../api.js';
import { t } from '../i18n.js';
import { html, useEffect, useMemo, useRef, useState } from '../lib.js';
import { Link, navigate } from '../router.js';
import { LiveSocket } from '../socket.js';
import { useStore } from '../store.js';
import { Empty, Field, FormError, Loading, Pager, formatDateTime, showError, toast, useForm, useLoad, utcToZoned, zonedToUtc } from '../ui.js';
import { TitleForm } from './boards.js';

export function Teams() {
  const [result, reload] = useLoad(() => get('/teams', { page_size: 100 }), []);
  const form = useForm({ name: '', description: '' });
  const submit = form.submit(async (v) => {
    const { data } = await post('/teams', { name: v.name.trim(), description: v.description.trim() });
    reload();
    navigate(`/teams/${data.id}`);
  });
  return html`<div class="screen">
    <h1 tabindex="-1">${t('nav.teams')}</h1>
    ${!result ? html`<${Loading} />` : result.data.length === 0 ? html`<${Empty}>${t('team.none')}</${Empty}>` : html`
      <ul class="cards">${result.data.map(
        (team) => html`<li key=${team.id} class="card"><${Link} href=${`/teams/${team.id}`}>${team.name}</${Link}>
          <span class="muted">${t(`teamRole.${team.my_role}`)}${team.description ? ` · ${team.description}` : ''}</span></li>`,
      )}</ul>`}
    <form class="card" onSubmit=${submit} novalidate aria-labelledby="new-team-title">
      <h2 id="new-team-title">${t('team.new')}</h2>
      <${Field} label=${t('team.name')} value=${form.values.name} onInput=${form.set('name')} error=${form.errors.name} />
      <${Field} label=${t('team.description')} value=${form.values.description} onInput=${form.set('description')} error=${form.errors.description} />
      <${FormError} message=${form.errors._form} />
      <button type="submit" class="primary" disabled=${form.busy}>${t('action.create')}</button>
    </form>
  </div>`;
}

function Members({ team, members, reload }) {
  const { user } = useStore();
  const admin = team.my_role === 'admin';
  const form = useForm({ username: '', role: 'member' });
  const add = form.submit(async (v) => {
    await post(`/teams/${team.id}/members`, { username: v.username.trim(), role: v.role });
    form.setValues({ username: '', role: 'member' });
    reload();
  });
  const remove = async (member) => {
    const leaving = member.user_id === user.id;
    if (!window.confirm(leaving ? t('team.confirmLeave', { name: team.name }) : t('team.confirmRemove', { name: member.username }))) return;
    try {
      await del(`/teams/${team.id}/members/${member.user_id}`);
      if (leaving) navigate('/teams');
      else reload();
    } catch (error) {
      showError(error);
    }
  };
  return html`<section aria-labelledby="members-title">
    <h2 id="members-title">${t('team.members')}</h2>
    <ul class="plain-list">${members.map(
      (m) => html`<li key=${m.user_id} class="task">
        <span class="task-title">${m.username} <span class="muted">${t(`teamRole.${m.role}`)}</span></span>
        ${(admin || m.user_id === user.id) && html`<button type="button" class="secondary" onClick=${() => remove(m)}>${m.user_id === user.id ? t('team.leave') : t('action.remove')}</button>`}
      </li>`,
    )}</ul>
    ${admin && html`<form class="inline-form" onSubmit=${add} novalidate>
      <${Field} label=${t('team.addUsername')} value=${form.values.username} onInput=${form.set('username')} error=${form.errors.username} />
      <${Field} label=${t('team.role')} as="select" value=${form.values.role} onInput=${form.set('role')} error=${form.errors.role}>
        <option value="member">${t('teamRole.member')}</option><option value="admin">${t('teamRole.admin')}</option>
      </${Field}>
      <button type="submit" disabled=${form.busy}>${t('action.add')}</button>
      <${FormError} message=${form.errors._form} />
    </form>`}
  </section>`;
}

function NewTask({ list, members, onCreated }) {
  const { user } = useStore();
  const form = useForm({ title: '', assignee_id: '', deadline: '' });
  const submit = form.submit(async (v) => {
    const body = { title: v.title.trim(), assignee_id: v.assignee_id ? Number(v.assignee_id) : null };
    body.deadline = v.deadline ? zonedToUtc(v.deadline, user.timezone) : null; // typed in my profile's zone
    const { data } = await post(`/lists/${list.id}/tasks`, body);
    form.setValues({ title: '', assignee_id: v.assignee_id, deadline: '' });
    onCreated(data);
  });
  return html`<form class="new-task" onSubmit=${submit} novalidate aria-label=${t('task.newIn', { list: list.name })}>
    <${Field} label=${t('task.title')} value=${form.values.title} onInput=${form.set('title')} error=${form.errors.title} />
    <div class="grid">
      <${Field} label=${t('task.assignee')} as="select" value=${form.values.assignee_id} onInput=${form.set('assignee_id')} error=${form.errors.assignee_id}>
        <option value="">${t('task.nobody')}</option>
        ${members.map((m) => html`<option value=${String(m.user_id)}>${m.username}</option>`)}
      </${Field}>
      <${Field} label=${t('task.deadline')} type="datetime-local" value=${form.values.deadline} onInput=${form.set('deadline')} error=${form.errors.deadline} />
    </div>
    <${FormError} message=${form.errors._form} />
    <button type="submit" disabled=${form.busy}>${t('task.add')}</button>
  </form>`;
}

/** Edit a task's title, assignee and deadline in place; Escape or Cancel leaves it as it was. */
function TaskEditor({ task, members, onSaved, onClose }) {
  const { user } = useStore();
  const initial = { title: task.title, assignee_id: task.assignee_id ? String(task.assignee_id) : '', deadline: utcToZoned(task.deadline, user.timezone) };
  const form = useForm(initial);
  const box = useRef(null);
  useEffect(() => {
    const input = box.current && box.current.querySelector('input');
    if (input) input.focus();
  }, []);
  const submit = form.submit(async (v) => {
    // Only what changed: an untouched deadline keeps its seconds and its overdue state.
    const body = {};
    if (v.title.trim() !== initial.title) body.title = v.title.trim();
    if (v.assignee_id !== initial.assignee_id) body.assignee_id = v.assignee_id ? Number(v.assignee_id) : null;
    if (v.deadline !== initial.deadline) body.deadline = v.deadline ? zonedToUtc(v.deadline, user.timezone) : null;
    onSaved(Object.keys(body).length ? (await patch(`/tasks/${task.id}`, body)).data : task);
  }, ['title', 'assignee_id', 'deadline']);
  const escape = (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
    }
  };
  return html`<form class="task-edit" ref=${box} onSubmit=${submit} onKeyDown=${escape} novalidate aria-label=${t('task.editOne', { title: task.title })}>
    <${Field} label=${t('task.title')} value=${form.values.title} onInput=${form.set('title')} error=${form.errors.title} />
    <div class="grid">
      <${Field} label=${t('task.assignee')} as="select" value=${form.values.assignee_id} onInput=${form.set('assignee_id')} error=${form.errors.assignee_id}>
        <option value="">${t('task.nobody')}</option>
        ${members.map((m) => html`<option value=${String(m.user_id)}>${m.username}</option>`)}
      </${Field}>
      <${Field} label=${t('task.deadline')} type="datetime-local" value=${form.values.deadline} onInput=${form.set('deadline')} error=${form.errors.deadline} />
    </div>
    <${FormError} message=${form.errors._form} />
    <div class="actions">
      <button type="submit" class="primary" disabled=${form.busy}>${t('action.save')}</button>
      <button type="button" class="secondary" onClick=${onClose}>${t('action.cancel')}</button>
    </div>
  </form>`;
}

function TaskRow({ task, names, members, canDelete, onChanged, onDeleted }) {
  const { user } = useStore();
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState(false);
  const editButton = useRef(null);
  const wasEditing = useRef(false);
  useEffect(() => {
    // Back on the Edit button after Save, Cancel or Escape, where the keyboard user left off.
    if (wasEditing.current && !editing && editButton.current) editButton.current.focus();
    wasEditing.current = editing;
  }, [editing]);
  const run = (fn, done) => async () => {
    setBusy(true);
    try {
      done((await fn()).data);
    } catch (error) {
      showError(error);
    } finally {
      setBusy(false);
    }
  };
  const toggle = run(() => post(`/tasks/${task.id}/${task.is_done ? 'reopen' : 'done'}`), onChanged);
  const remove = run(() => del(`/tasks/${task.id}`), () => onDeleted(task));
  if (editing) {
    return html`<li class="task editing">
      <${TaskEditor} task=${task} members=${members} onClose=${() => setEditing(false)} onSaved=${(fresh) => (onChanged(fresh), setEditing(false))} />
    </li>`;
  }
  return html`<li class=${task.is_done ? 'task done' : 'task'}>
    <span class="task-title">${task.title}</span>
    <span class="muted">${task.assignee_id ? names[task.assignee_id] || `#${task.assignee_id}` : t('task.nobody')}</span>
    <span class=${task.is_overdue ? 'overdue-text' : 'muted'}>${task.deadline ? formatDateTime(task.deadline, user.timezone) : ''}${task.is_overdue ? ` · ${t('task.overdue')}` : ''}</span>
    <span class="task-actions">
      <button type="button" disabled=${busy} onClick=${toggle}>${task.is_done ? t('task.reopen') : t('task.done')}</button>
      <button type="button" class="secondary" ref=${editButton} disabled=${busy} onClick=${() => setEditing(true)} aria-label=${t('task.editOne', { title: task.title })}>${t('action.edit')}</button>
      ${canDelete(task) && html`<button type="button" class="danger" disabled=${busy} onClick=${remove} aria-label=${t('task.deleteOne', { title: task.title })}>${t('action.delete')}</button>`}
    </span>
  </li>`;
}

function TaskList({ list, members, bus, canDelete }) {
  const [pageNo, setPageNo] = useState(1);
  const [result, , , setResult] = useLoad(() => get(`/lists/${list.id}/tasks`, { page: pageNo, page_size: 50 }), [list.id, pageNo]);
  const names = useMemo(() => Object.fromEntries(members.map((m) => [m.user_id, m.username])), [members]);
  const apply = (type, task) =>
    setResult((current) => {
      if (!current) return current;
      const others = current.data.filter((x) => x.id !== task.id);
      if (type === 'task.deleted') return { ...current, data: others };
      const exists = current.data.some((x) => x.id === task.id);
      const data = exists ? current.data.map((x) => (x.id === task.id ? task : x)) : [...current.data, task];
      return { ...current, data };
    });
  useEffect(() => {
    // Live: the team socket's events for this list, from anyone (this page's own changes arrive there too).
    const listener = (message) => message.task && message.task.list_id === list.id && apply(message.type, message.task);
    bus.add(listener);
    return () => bus.delete(listener);
  }, [list.id]);
  return html`<section class="card" aria-labelledby=${`list-${list.id}`}>
    <h3 id=${`list-${list.id}`}>${list.name}</h3>
    ${!result ? html`<${Loading} />` : result.data.length === 0 ? html`<${Empty}>${t('task.empty')}</${Empty}>` : html`
      <ul class="plain-list">${result.data.map(
        (task) => html`<${TaskRow} key=${task.id} task=${task} names=${names} members=${members} canDelete=${canDelete}
          onChanged=${(fresh) => apply('task.updated', fresh)} onDeleted=${(gone) => apply('task.deleted', gone)} />`,
      )}</ul>
      <${Pager} page=${result.page} onPage=${setPageNo} />`}
    <${NewTask} list=${list} members=${members} onCreated=${(task) => apply('task.created', task)} />
  </section>`;
}

export function Team({ id }) {
  const { user } = useStore();
  const [team, , error] = useLoad(async () => (await get(`/teams/${id}`)).data, [id]);
  const [members, reloadMembers] = useLoad(async () => (await get(`/teams/${id}/members`, { page_size: 100 })).data, [id]);
  const [lists, reloadLists] = useLoad(async () => (await get(`/teams/${id}/lists`, { page_size: 100 })).data, [id]);
  const [live, setLive] = useState('connecting');
  const bus = useMemo(() => new Set(), [id]);
  const known = useRef([]);
  known.current = lists || [];
  useEffect(() => {
    const socket = new LiveSocket(`/ws/teams/${id}`, {
      onMessage: (message) => {
        // A task in a list this page has not seen yet: somebody made a new list, fetch the lists again.
        if (message.task && lists && !known.current.some((l) => l.id === message.task.list_id)) reloadLists();
        bus.forEach((listener) => listener(message));
      },
      onState: setLive,
      onForbidden: () => {
        toast({ title: t('team.gone'), level: 'warning' });
        navigate('/teams', { replace: true });
      },
    }).start();
    return () => socket.stop();
  }, [id]);
  if (error) return html`<div class="screen"><h1 tabindex="-1">${t('error.404')}</h1><${Link} href="/teams">${t('nav.teams')}</${Link}></div>`;
  if (!team || !members || !lists) return html`<div class="screen"><h1 tabindex="-1">${t('nav.teams')}</h1><${Loading} /></div>`;
  const admin = team.my_role === 'admin';
  const canDelete = (task) => admin || task.created_by === user.id;
  return html`<div class="screen">
    <p><${Link} href="/teams">← ${t('nav.teams')}</${Link}></p>
    <div class="screen-head">
      <h1 tabindex="-1">${team.name}</h1>
      <span class=${`connection connection-${live === 'online' ? 'online' : live}`}><span class="dot" aria-hidden="true"></span>${t(`team.live.${live}`)}</span>
    </div>
    ${team.description && html`<p>${team.description}</p>`}
    <section aria-labelledby="lists-title">
      <h2 id="lists-title">${t('team.lists')}</h2>
      ${lists.length === 0 && html`<${Empty}>${t('team.noLists')}</${Empty}>`}
      <div class="lists">${lists.map((list) => html`<${TaskList} key=${list.id} list=${list} members=${members} bus=${bus} canDelete=${canDelete} />`)}</div>
      <${TitleForm} label=${t('team.newList')} field="name" submitLabel=${t('action.add')} onSubmit=${async (name) => (await post(`/teams/${id}/lists`, { name }), reloadLists())} />
    </section>
    <${Members} team=${team} members=${members} reload=${reloadMembers} />
  </div>`;
}
