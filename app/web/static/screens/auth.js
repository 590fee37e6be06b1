// Sign in and create an account. The API's 422 messages land on their fields; other errors are toasts.
import { get, post, signIn } from '../api.js';
import { t } from '../i18n.js';
import { html } from '../lib.js';
import { Link } from '../router.js';
import { Field, FormError, useForm, useLoad } from '../ui.js';

/** Whether this server offers VK sign-in (asked once per page). */
let vkEnabled = null;
export function useVkEnabled() {
  const [enabled] = useLoad(async () => {
    if (vkEnabled === null) vkEnabled = get('/auth/vk/status', null, { auth: false }).then(({ data }) => data.enabled);
    return vkEnabled;
  }, []);
  return Boolean(enabled);
}

function VkButton() {
  const next = `${window.location.origin}/today`;
  if (!useVkEnabled()) return null;
  return html`<p class="alt-signin">
    <a class="button secondary" href=${`/api/v1/auth/vk/login?next=${encodeURIComponent(next)}`}>${t('auth.vk')}</a>
  </p>`;
}

export function SignIn({ onSignedIn }) {
  const form = useForm({ username: '', password: '' });
  const { values, set, errors, busy } = form;
  const submit = form.submit(async (v) => {
    try {
      onSignedIn(await signIn(v.username.trim(), v.password));
    } catch (error) {
      if (error.status !== 401) throw error; // 429 and the rest: a toast (with when to retry)
      form.setErrors({ _form: error.message || t('auth.wrong') });
    }
  });
  return html`<section class="auth-card" aria-labelledby="signin-title">
    <h1 id="signin-title" tabindex="-1">${t('auth.signin.title')}</h1>
    <form onSubmit=${submit} novalidate>
      <${Field} label=${t('auth.username')} name="username" autocomplete="username" required value=${values.username} onInput=${set('username')} error=${errors.username} />
      <${Field} label=${t('auth.password')} name="password" type="password" autocomplete="current-password" required value=${values.password} onInput=${set('password')} error=${errors.password} />
      <${FormError} message=${errors._form} />
      <button type="submit" class="primary" disabled=${busy}>${t('auth.signin')}</button>
    </form>
    <p>${t('auth.noAccount')} <${Link} href="/signup">${t('auth.createAccount')}</${Link}></p>
    <${VkButton} />
  </section>`;
}

export function SignUp({ onSignedIn }) {
  const form = useForm({ username: '', email: '', password: '', password_repeat: '' });
  const { values, set, errors, busy } = form;
  const submit = form.submit(async (v) => {
    const body = { username: v.username.trim(), password: v.password, password_repeat: v.password_repeat };
    if (v.email.trim()) body.email = v.email.trim();
    await post('/auth/signup', body, { auth: false });
    onSignedIn(await signIn(body.username, v.password), { fresh: true });
  });
  return html`<section class="auth-card" aria-labelledby="signup-title">
    <h1 id="signup-title" tabindex="-1">${t('auth.signup.title')}</h1>
    <form onSubmit=${submit} novalidate>
      <${Field} label=${t('auth.username')} name="username" autocomplete="username" required value=${values.username} onInput=${set('username')} error=${errors.username} />
      <${Field} label=${t('auth.email')} name="email" type="email" autocomplete="email" value=${values.email} onInput=${set('email')} error=${errors.email} />
      <${Field} label=${t('auth.password')} name="password" type="password" autocomplete="new-password" required hint=${t('auth.password.hint')} value=${values.password} onInput=${set('password')} error=${errors.password} />
      <${Field} label=${t('auth.passwordRepeat')} name="password_repeat" type="password" autocomplete="new-password" required value=${values.password_repeat} onInput=${set('password_repeat')} error=${errors.password_repeat} />
      <${FormError} message=${errors._form} />
      <button type="submit" class="primary" disabled=${busy}>${t('auth.createAccount')}</button>
    </form>
    <p>${t('auth.haveAccount')} <${Link} href="/signin">${t('auth.signin')}</${Link}></p>
  </section>`;
}
