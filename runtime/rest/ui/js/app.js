// The shell: hash routes to views, the worker line in the header, and a
// last line of defence so an unexpected error shows a message, never a blank page.

import { api, connection } from './api.js';
import { dropStaleToasts, fill, h, notice } from './dom.js';
import * as connectors from './views/connectors.js';
import * as detail from './views/detail.js';
import * as editor from './views/editor.js';
import * as overview from './views/overview.js';

/** [pattern on the hash path, view, nav entry]; captures are URL-decoded params. */
const ROUTES = [
  [/^\/?$/, connectors, 'connectors'],
  [/^\/connectors$/, connectors, 'connectors'],
  [/^\/connectors\/([^/]+)$/, detail, 'connectors'],
  [/^\/connectors\/([^/]+)\/edit$/, editor, 'connectors'],
  [/^\/new$/, editor, 'new'],
  [/^\/new\/([^/]+)$/, editor, 'new'],
  [/^\/cluster$/, overview, 'cluster'],
];

const main = document.getElementById('main');
let unmount = null;

/** `#/connectors?state=FAILED` → { path: '/connectors', query: URLSearchParams }. */
function location() {
  const raw = window.location.hash.replace(/^#/, '');
  const [path, search = ''] = raw.split('?');
  return { path: path || '/', query: new URLSearchParams(search) };
}

export function navigate(hash) {
  if (window.location.hash === hash) route();
  else window.location.hash = hash;
}

function route() {
  if (unmount) {
    try {
      unmount();
    } catch {
      // A view that fails to clean up must not keep the next one out.
    }
    unmount = null;
  }
  dropStaleToasts();
  const { path, query } = location();
  const match = ROUTES.map(([re, view, nav]) => ({ m: path.match(re), view, nav })).find((r) => r.m);
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (match && a.dataset.nav === match.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  fill(main);
  if (!match) {
    document.title = 'Not found · Ferry';
    fill(main, h('h1', { tabindex: '-1' }, 'Page not found'), notice('warning', `Nothing lives at #${path}.`), h('p', {}, h('a', { href: '#/connectors' }, 'Back to the connectors')));
    return;
  }
  let params;
  try {
    params = match.m.slice(1).map((p) => (p === undefined ? undefined : decodeURIComponent(p)));
  } catch {
    fill(main, notice('error', 'This address is malformed.'));
    return;
  }
  const ctx = {
    params,
    query,
    path,
    navigate,
    setTitle(title) {
      document.title = `${title} · Ferry`;
    },
  };
  try {
    unmount = match.view.mount(main, ctx) || null;
  } catch (e) {
    showCrash(e);
  }
  // After the first page, move focus to the new page's heading, so keyboard
  // and screen reader users start there rather than at the top of the document.
  const heading = main.querySelector('h1');
  if (heading && routed) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
  routed = true;
}

let routed = false;

function showCrash(e) {
  main.prepend(notice('error', `Something went wrong on this page: ${e && e.message ? e.message : e}`,
    h('p', {}, h('a', { href: '#/connectors' }, 'Back to the connectors'), ' · ', h('a', { href: window.location.hash, onclick: () => route() }, 'Reload this page'))));
}

const workerLine = document.getElementById('worker');

async function showWorker() {
  try {
    const info = await api.root();
    const log = info.log ? ` · ${info.log} log` : '';
    fill(workerLine, h('span', { class: 'dot dot-ok', 'aria-hidden': 'true' }), `Ferry ${info.version}${log}`);
  } catch {
    // The connection listener below says so and tries again.
  }
}

// The header says at all times whether the worker answers.
let down = false;
connection.addEventListener('change', (event) => {
  if (!event.detail) {
    down = true;
    fill(workerLine, h('span', { class: 'dot dot-bad', 'aria-hidden': 'true' }), 'Worker unreachable');
  } else if (down) {
    down = false;
    showWorker();
  }
});

window.addEventListener('hashchange', route);
window.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  showCrash(event.reason);
});
window.addEventListener('error', (event) => showCrash(event.error || event.message));

// "/" jumps to the page's search box, as in most consoles.
document.addEventListener('keydown', (event) => {
  if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
  const search = main.querySelector('input[type="search"]');
  if (search) {
    event.preventDefault();
    search.focus();
  }
});

showWorker();
route();
