// One table per language (i18n/en.js, i18n/ru.js); `t(key, {name})` fills {name} placeholders. English is
// built in (the fallback for any missing key); another table is fetched only when that language is chosen.
import en from './i18n/en.js';

const LOADERS = { ru: () => import('./i18n/ru.js') };
const TABLES = { en };
export const LANGUAGES = ['en', ...Object.keys(LOADERS)];
let current = 'en';

/** The language chosen in Profile, else the first of the browser's languages that we speak, else English. */
export function detectLanguage(preferred) {
  if (preferred && LANGUAGES.includes(preferred)) return preferred;
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return 'en';
}

export async function setLanguage(lang) {
  if (!TABLES[lang] && LOADERS[lang]) {
    try {
      TABLES[lang] = (await LOADERS[lang]()).default;
    } catch {
      // offline or a failed fetch: stay in English rather than show keys
    }
  }
  current = TABLES[lang] ? lang : 'en';
  document.documentElement.lang = current;
}

export function language() {
  return current;
}

export function t(key, params) {
  const text = TABLES[current][key] ?? en[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

/** "1 day" / "2 days" / "5 дней": the plural form of a counted word in the current language. */
export function plural(key, count) {
  const rules = new Intl.PluralRules(current);
  return t(`${key}.${rules.select(count)}`, { n: count });
}
