// One form field per config key: label, input by type, help text from the
// key's documentation, the default, and the errors validation reports.

import { h } from '../dom.js';
import { defaultText, fieldKind } from './model.js';

let serial = 0;

/**
 * Renders a field for `definition` holding `value`; `onInput(key, text)`
 * is called as the user types. `secret` forces a password input.
 * Returns { el, key, focus, value, setErrors(list, show), setRecommended(list) }.
 */
export function createField(definition, value, { onInput, secret = false, removable = null } = {}) {
  const id = `f${++serial}`;
  const key = definition.name;
  const kind = secret ? 'password' : fieldKind(definition);
  const dflt = defaultText(definition);
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const input = inputFor(kind, id, value, dflt);
  input.setAttribute('aria-describedby', `${helpId} ${errorId}`);
  input.dataset.key = key;
  if (definition.required) input.setAttribute('aria-required', 'true');
  const emit = () => onInput && onInput(key, input.value);
  input.addEventListener(input.tagName === 'SELECT' ? 'change' : 'input', emit);

  const datalist = h('datalist', { id: `${id}-list` });
  if (input.tagName === 'INPUT' && kind !== 'password') input.setAttribute('list', datalist.id);
  const errorEl = h('p', { class: 'field-error', id: errorId, hidden: true });
  const title = definition.display_name && definition.display_name !== key ? definition.display_name : null;

  const label = h('label', { for: id, class: 'field-label' },
    h('code', {}, key),
    definition.required ? h('span', { class: 'required', title: 'required' }, ' *') : null,
    title ? h('span', { class: 'field-title' }, title) : null,
  );
  const controls = [input];
  if (kind === 'password') controls.push(revealButton(input));
  if (removable) controls.push(h('button', { type: 'button', class: 'button button-small', onclick: removable, 'aria-label': `Remove ${key}` }, 'Remove'));

  const el = h('div', { class: `field${definition.required ? ' field-required' : ''}`, 'data-field': key },
    label,
    h('div', { class: 'field-control' }, controls),
    datalist,
    h('p', { class: 'field-help', id: helpId },
      definition.documentation || null,
      dflt !== null ? h('span', { class: 'field-default' }, ` Default: ${dflt}.`) : null,
      definition.type ? h('span', { class: 'field-type' }, ` ${definition.type.toLowerCase()}`) : null,
    ),
    errorEl,
  );

  return {
    el,
    key,
    definition,
    focus: () => input.focus(),
    get value() {
      return input.value;
    },
    setValue(v) {
      input.value = v ?? '';
    },
    /** Shows `errors` when `show`, otherwise keeps them for later. */
    setErrors(errors, show) {
      const visible = show && errors && errors.length > 0;
      errorEl.hidden = !visible;
      errorEl.textContent = visible ? errors.join(' ') : '';
      el.classList.toggle('field-invalid', Boolean(visible));
      if (visible) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
    setRecommended(values) {
      datalist.replaceChildren(...(values || []).map((v) => h('option', { value: v })));
    },
  };
}

function inputFor(kind, id, value, dflt) {
  const text = value ?? '';
  if (kind === 'boolean') {
    const select = h('select', { id, class: 'input' },
      h('option', { value: '' }, dflt !== null ? `default (${dflt})` : 'not set'),
      h('option', { value: 'true' }, 'true'),
      h('option', { value: 'false' }, 'false'),
    );
    // A stored value other than true/false is kept, so nothing is lost.
    if (text !== '' && text !== 'true' && text !== 'false') select.append(h('option', { value: text }, text));
    select.value = text;
    return select;
  }
  const attrs = { id, class: 'input', value: text, autocomplete: 'off', spellcheck: 'false' };
  if (dflt !== null && dflt !== 'empty') attrs.placeholder = dflt;
  if (kind === 'number') attrs.inputmode = 'numeric';
  if (kind === 'password') {
    attrs.autocomplete = 'new-password';
    return h('input', { ...attrs, type: 'password' });
  }
  if (kind === 'list' && !attrs.placeholder) attrs.placeholder = 'comma-separated';
  return h('input', { ...attrs, type: 'text' });
}

function revealButton(input) {
  const button = h('button', { type: 'button', class: 'button button-small', 'aria-pressed': 'false' }, 'Show');
  button.addEventListener('click', () => {
    const show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    button.textContent = show ? 'Hide' : 'Show';
    button.setAttribute('aria-pressed', String(show));
  });
  return button;
}
