// Building DOM nodes. Text from the worker only ever goes in as text
// (textContent), never as HTML.

/**
 * h('a', {href: '#/', class: 'x', onclick: fn}, 'text', child, [more])
 * Attributes that are false, null or undefined are left out; true sets an empty one.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'value' && 'value' in el) {
      el.value = value;
    } else if (key === 'checked' || key === 'selected') {
      el[key] = Boolean(value);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A message box: kind is 'error', 'warning' or 'info'. */
export function notice(kind, message, ...extra) {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('p', {}, message), ...extra);
}

const TOASTS_SHOWN = 2;

/** Announces a short message to everyone, screen readers included. */
export function announce(message, kind = 'info') {
  const region = document.getElementById('toast');
  if (!region) return;
  const item = h('div', { class: `toast toast-${kind}`, 'data-at': Date.now() }, message);
  region.append(item);
  // Only the latest few: older news is stale.
  while (region.children.length > TOASTS_SHOWN) region.firstElementChild.remove();
  setTimeout(() => item.remove(), kind === 'error' ? 8000 : 4000);
}

/** Drops messages older than `ms` (a new page makes them stale). */
export function dropStaleToasts(ms = 1500) {
  const region = document.getElementById('toast');
  if (!region) return;
  for (const t of [...region.children]) if (Date.now() - Number(t.dataset.at || 0) > ms) t.remove();
}

/** A modal confirmation; resolves true when confirmed (Escape cancels). */
export function confirmDialog({ title, body, confirm = 'Confirm', danger = false }) {
  return new Promise((resolve) => {
    const close = (value) => () => dialog.close(value);
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': 'dialog-title' },
      h('h2', { id: 'dialog-title' }, title),
      typeof body === 'string' ? h('p', {}, body) : body,
      h('div', { class: 'dialog-actions' },
        // Cancel comes first and takes the focus: Enter alone never confirms.
        h('button', { type: 'button', class: 'button', onclick: close('cancel') }, 'Cancel'),
        h('button', { type: 'button', class: danger ? 'button button-danger' : 'button button-primary', onclick: close('ok') }, confirm),
      ),
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** `12:04:05` in the browser's time zone. */
export function clock(date = new Date()) {
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** The last part of a Java class name: `FileStreamSinkConnector`. */
export function shortClass(name) {
  return String(name || '').split('.').pop();
}
