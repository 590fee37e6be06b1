// Today: goals due today and overdue, my open tasks by deadline, today's habits with one tap.
import { get } from '../api.js';
import { plural, t } from '../i18n.js';
import { html, useEffect } from '../lib.js';
import { onUserEvent } from '../live.js';
import { Link } from '../router.js';
import { useStore } from '../store.js';
import { Empty, Loading, formatDate, formatDateTime, todayIn, useLoad } from '../ui.js';
import { HabitItem, keptBeforeToday, weekOf } from './habits.js';

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

/**
 * The habits due today: those whose current period (the last `periodicity_days` days) is still open. A habit
 * kept by an earlier day of its period waits; one done or skipped today stays, showing its tick. An every-day
 * habit needs only the list; for the others the week strip's /stats (cached for the strip) says it.
 */
function TodayHabits({ today }) {
  const [result] = useLoad(async () => {
    const { data } = await get('/habits', { page_size: 100 });
    const due = await Promise.all(
      data.map(async (habit) => {
        if (habit.done_today || habit.skipped_today || habit.periodicity_days === 1) return true;
        try {
          return !keptBeforeToday(habit, await weekOf(habit, today), today);
        } catch {
          return true; // better one habit too many than a due one hidden
        }
      }),
    );
    return { due: data.filter((_, i) => due[i]), kept: data.filter((_, i) => !due[i]) };
  }, [today]);
  if (!result) return html`<${Loading} />`;
  if (result.due.length + result.kept.length === 0) return html`<${Empty}>${t('today.habits.empty')} <${Link} href="/habits">${t('today.habits.start')}</${Link}></${Empty}>`;
  return html`${result.due.length === 0 && html`<${Empty}>${t('today.habits.allKept')}</${Empty}>`}
    <ul class="habits">${result.due.map((h) => html`<${HabitItem} key=${h.id} habit=${h} compact />`)}</ul>
    ${result.kept.length > 0 && html`<p class="muted kept-note">${plural('today.habits.kept', result.kept.length)} <${Link} href="/habits">${t('today.habits.all')}</${Link}></p>`}`;
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
    <section aria-labelledby="today-habits"><h2 id="today-habits">${t('today.habits')}</h2><${TodayHabits} today=${today} /></section>
  </div>`;
}
