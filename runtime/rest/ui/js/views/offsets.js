// A connector's offsets (KIP-875): always shown; altered or reset only
// while the connector is STOPPED, as Connect requires.

import { api } from '../api.js';
import { announce, confirmDialog, fill, h, notice } from '../dom.js';

/** Returns { el, load(), setState(connectorState) }. */
export function offsetsSection(name, { onChange }) {
  let offsets = null;
  let state = null;
  let editing = false;
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const controls = h('div', { class: 'offset-controls' });
  const editor = h('div', { class: 'offset-editor' });
  const el = h('div', {}, list, controls, editor);

  const compact = (v) => JSON.stringify(v);

  function renderList() {
    const sig = compact(offsets);
    if (list.dataset.sig === sig) return;
    list.dataset.sig = sig;
    const entries = (offsets && offsets.offsets) || [];
    if (entries.length === 0) {
      fill(list, h('p', { class: 'muted' }, 'No offsets committed yet.'));
      return;
    }
    fill(list, h('table', { class: 'table offsets' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Partition'), h('th', { scope: 'col' }, 'Offset'))),
      h('tbody', {}, entries.map((e) => h('tr', {}, h('td', { class: 'mono' }, compact(e.partition)), h('td', { class: 'mono' }, compact(e.offset)))))));
  }

  function renderControls() {
    const stopped = state === 'STOPPED';
    const sig = `${stopped}:${editing}`;
    if (controls.dataset.sig === sig) return;
    controls.dataset.sig = sig;
    if (!stopped) {
      editing = false;
      fill(editor);
      fill(controls, h('p', { class: 'muted small' }, 'Stop the connector to alter or reset its offsets.'));
      return;
    }
    fill(controls,
      h('button', { type: 'button', class: 'button button-small', disabled: editing, onclick: startEditing }, 'Alter offsets…'),
      h('button', { type: 'button', class: 'button button-small button-danger', onclick: reset }, 'Reset offsets…'));
  }

  function startEditing() {
    editing = true;
    renderControls();
    const body = { offsets: (offsets && offsets.offsets) || [] };
    const area = h('textarea', { class: 'input code', id: 'offsets-json', rows: 8, spellcheck: 'false', 'aria-label': 'Offsets to write, as JSON' }, JSON.stringify(body, null, 2));
    const result = h('div', {});
    const close = () => {
      editing = false;
      fill(editor);
      renderControls();
    };
    const apply = async () => {
      let parsed;
      try {
        parsed = JSON.parse(area.value);
      } catch (e) {
        fill(result, notice('error', `Not valid JSON: ${e.message}`));
        return;
      }
      try {
        const answer = await api.alterOffsets(name, parsed && parsed.offsets);
        announce(answer && answer.message ? answer.message : 'Offsets altered.');
        close();
        onChange();
      } catch (e) {
        fill(result, notice('error', e.message));
      }
    };
    fill(editor,
      h('p', { class: 'small muted' }, 'Each entry is a partition and the offset to store; an offset of null removes it.'),
      area, result,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'button button-primary button-small', onclick: apply }, 'Write offsets'),
        h('button', { type: 'button', class: 'button button-small', onclick: close }, 'Cancel')));
    area.focus();
  }

  async function reset() {
    const ok = await confirmDialog({ title: `Reset the offsets of ${name}?`, body: 'All its committed offsets are removed: when resumed it starts over, as a new connector would.', confirm: 'Reset offsets', danger: true });
    if (!ok) return;
    try {
      const answer = await api.resetOffsets(name);
      announce(answer && answer.message ? answer.message : 'Offsets reset.');
      onChange();
    } catch (e) {
      fill(editor, notice('error', e.message));
    }
  }

  return {
    el,
    async load() {
      try {
        offsets = await api.offsets(name);
        renderList();
      } catch (e) {
        list.dataset.sig = '';
        fill(list, notice('warning', `Offsets unavailable: ${e.message}`));
      }
    },
    setState(s) {
      state = s;
      renderControls();
    },
  };
}
