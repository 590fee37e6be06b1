// Light, dark, or the system's: `data-theme` on <html> overrides the prefers-color-scheme default in styles.css.
export const THEMES = ['system', 'light', 'dark'];

export function applyTheme(theme) {
  const root = document.documentElement;
  if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
  else delete root.dataset.theme;
}
