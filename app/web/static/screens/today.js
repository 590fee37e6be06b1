// Today: goals due today and overdue, my open tasks by deadline, today's habits with one tap.
import { get } from '../api.js';
import { plural, t } from '../i18n.js';
import { html, useEffect } from '../lib.js';
import { onUserEvent } from '../live.js';
import { Link } from '../router.js';
import { useStore } from '../store.js';
import { Empty, Loading, formatDate, formatDateTime, todayIn, useLoad } from '../ui.js';
import { HabitItem } from './habits.js';

const OPEN = ['todo', 'in_progress', 'overdue'];

export function daysLeft(goal) {
  if (goal.days_left == null) return '';
  if (goal.days_left === 0) return t('goal.dueToday');
  if (goal.days_left < 0) return plural('goal.overdueBy', -goal.days_left);
  return plural('goal.daysLeft', goal.days_left);
}

function DueGoals({ today }) {
  const [result] = useLoad(() => get('/goals', { status: OPEN, due_to: today, ordering: 'due_date', page_size: 50 }), [today]);
  if (!result) return html`<${Loading} />`;
  if (result.data.length === 0) return html`<${Empty}>${t('today.goals.empty')} <${Link} href="/goals">${t('today.goals.plan')}</${Link}></${Empty}>`;
  return html`<ul class="cards">
    ${result.data.map(
      (goal) => html`<li key=${goal.id} class=${goal.days_left < 0 ? 'card overdue' : 'card'}>
        <${Link} href=${`/goals/${goal.id}`}>${goal.title}</${Link}>
        <span class="muted">${formatDate(goal.due_date)} · ${daysLeft(goal)} · ${t(`priority.${goal.priority}`)}</span>
      </li>`,
    )}
  </ul>`;
}

function MyTasks() {
  const { user } = useStore();
  const [result, reload] = useLoad(() => get('/tasks', { assignee: 'me', done: false, page_size: 50 }), []);
  useEffect(() => onUserEvent((message) => String(message.type || '').startsWith('task.') && reload()), []);
  if (!result) return html`<${Loading} />`;
  if (result.data.length === 0) return html`<${Empty}>${t('today.tasks.empty')}</${Empty}>`;
  const byDeadline = [...result.data].sort((a, b) => (a.deadline || '9999').localeCompare(b.deadline || '9999'));
  return html`<ul class="cards">
    ${byDeadline.map(
      (task) => html`<li key=${task.id} class=${task.is_overdue ? 'card overdue' : 'card'}>
        <${Link} href=${`/teams/${task.team_id}`}>${task.title}</${Link}>
        <span class="muted">${task.deadline ? formatDateTime(task.deadline, user.timezone) : t('task.noDeadline')}${task.is_overdue ? ` · ${t('task.overdue')}` : ''}</span>
      </li>`,
    )}
  </ul>`;
}

function TodayHabits() {
  const [result] = useLoad(() => get('/habits', { page_size: 100 }), []);
  if (!result) return html`<${Loading} />`;
  if (result.data.length === 0) return html`<${Empty}>${t('today.habits.empty')} <${Link} href="/habits">${t('today.habits.start')}</${Link}></${Empty}>`;
  return html`<ul class="habits">${result.data.map((h) => html`<${HabitItem} key=${h.id} habit=${h} compact />`)}</ul>`;
}

export function Today() {
  const { user } = useStore();
  const today = todayIn(user.timezone);
  return html`<div class="screen">
    <div class="screen-head">
      <h1 tabindex="-1">${t('nav.today')}</h1>
      <p class="muted">${formatDate(today)} · ${user.timezone}</p>
    </div>
    <div class="columns">
      <section aria-labelledby="today-goals"><h2 id="today-goals">${t('today.goals')}</h2><${DueGoals} today=${today} /></section>
      <section aria-labelledby="today-tasks"><h2 id="today-tasks">${t('today.tasks')}</h2><${MyTasks} /></section>
    </div>
    <section aria-labelledby="today-habits"><h2 id="today-habits">${t('today.habits')}</h2><${TodayHabits} /></section>
  </div>`;
}
