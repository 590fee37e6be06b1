// The view library, imported from one place: the vendored files' versions appear nowhere else.
import { h, render } from './vendor/preact-10.29.8.module.js';
import htm from './vendor/htm-3.1.1.module.js';

export { h, render };
export {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
} from './vendor/preact-hooks-10.29.8.module.js';
export const html = htm.bind(h);
