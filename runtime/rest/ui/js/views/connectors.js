// The connectors list: state badges for connector and tasks, filters by
// name, state and type, refreshed every few seconds.

import { api } from '../api.js';
import { clock, fill, h, notice, shortClass } from '../dom.js';
import { poll } from '../refresh.js';
import { STATES, badge, hasState, taskBadges } from '../states.js';

const REFRESH_MS = 3000;

export function mount(main, ctx) {
  ctx.setTitle('Connectors');
  const filters = {
    name: ctx.query.get('name') || '',
    state: ctx.query.get('state') || '',
    type: ctx.query.get('type') || '',
  };
  let entries = null; // [[name, {status, info}]] once loaded

  const nameInput = h('input', { type: 'search', id: 'filter-name', class: 'input', value: filters.name, placeholder: 'Filter by name  ( / )', 'aria-label': 'Filter by name' });
  const stateSelect = h('select', { id: 'filter-state', class: 'input', 'aria-label': 'Filter by state' },
    h('option', { value: '' }, 'Any state'), STATES.map((s) => h('option', { value: s }, s)));
  const typeSelect = h('select', { id: 'filter-type', class: 'input', 'aria-label': 'Filter by type' },
    h('option', { value: '' }, 'Any type'), h('option', { value: 'source' }, 'source'), h('option', { value: 'sink' }, 'sink'));
  stateSelect.value = filters.state;
  typeSelect.value = filters.type;
  const updated = h('span', { class: 'muted refresh-note' }, 'Loading…');
  const problems = h('div', { class: 'problems' });
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const body = h('div', { class: 'list-body' });

  const onFilter = () => {
    filters.name = nameInput.value.trim();
    filters.state = stateSelect.value;
    filters.type = typeSelect.value;
    const q = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString();
    // replaceState: the address keeps the filters without re-rendering the page.
    history.replaceState(null, '', `#/connectors${q ? `?${q}` : ''}`);
    render();
  };
  nameInput.addEventListener('input', onFilter);
  stateSelect.addEventListener('change', onFilter);
  typeSelect.addEventListener('change', onFilter);

  fill(main,
    h('div', { class: 'page-head' },
      h('h1', {}, 'Connectors'),
      h('a', { class: 'button button-primary', href: '#/new' }, 'New connector')),
    h('div', { class: 'toolbar', role: 'search', 'aria-label': 'Filter connectors' }, nameInput, stateSelect, typeSelect, updated),
    problems,
    summary,
    body,
  );

  function render() {
    if (!entries) return;
    const shown = entries.filter(([name, e]) => matches(name, e, filters));
    fill(summary, summaryText(entries, shown));
    if (entries.length === 0) {
      fill(body, h('div', { class: 'empty' }, h('p', {}, 'No connectors on this worker yet.'), h('a', { class: 'button button-primary', href: '#/new' }, 'Create a connector')));
      return;
    }
    if (shown.length === 0) {
      const clear = h('button', { type: 'button', class: 'button' }, 'Clear filters');
      clear.addEventListener('click', () => {
        nameInput.value = '';
        stateSelect.value = '';
        typeSelect.value = '';
        onFilter();
      });
      fill(body, h('div', { class: 'empty' }, h('p', {}, 'No connector matches these filters.'), clear));
      return;
    }
    updateTable(body, shown);
  }

  const poller = poll(async () => {
    const all = await api.connectors();
    entries = Object.entries(all || {}).sort(([a], [b]) => a.localeCompare(b));
    render();
  }, {
    intervalMs: REFRESH_MS,
    onOk: () => {
      fill(problems);
      fill(updated, `Updated ${clock()} · every ${REFRESH_MS / 1000} s`);
    },
    onError: (e) => {
      // Keep the last list on screen and say what went wrong.
      fill(problems, notice('error', `Could not refresh the list: ${e.message}`, h('p', { class: 'muted' }, entries ? 'Showing the last list received; retrying.' : 'Retrying.')));
      fill(updated, `Refresh failed at ${clock()}`);
    },
  });
  return () => poller.stop();
}

function matches(name, entry, filters) {
  const status = entry.status;
  const type = (entry.info && entry.info.type) || (status && status.type);
  if (filters.name && !name.toLowerCase().includes(filters.name.toLowerCase())) return false;
  if (filters.type && type !== filters.type) return false;
  if (filters.state && !hasState(status, filters.state)) return false;
  return true;
}

function summaryText(all, shown) {
  const failed = all.filter(([, e]) => hasState(e.status, 'FAILED')).length;
  const total = `${all.length} connector${all.length === 1 ? '' : 's'}`;
  const parts = [shown.length === all.length ? total : `${shown.length} of ${total} shown`];
  if (failed) parts.push(`${failed} with failures`);
  return parts.join(' · ');
}

/** Updates rows in place when the same connectors are shown, so focus and selection survive a refresh. */
function updateTable(body, shown) {
  let table = body.querySelector('table');
  const names = shown.map(([n]) => n).join('\n');
  if (!table || table.dataset.names !== names) {
    table = h('table', { class: 'table table-cards', 'data-names': names },
      h('caption', { class: 'visually-hidden' }, 'Connectors and the states of their tasks'),
      h('thead', {}, h('tr', {}, ['Name', 'Type', 'Connector', 'Tasks', 'Class', 'Worker'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, shown.map(([name, e]) => row(name, e))));
    fill(body, table);
    return;
  }
  const rows = table.tBodies[0].rows;
  shown.forEach(([name, e], i) => {
    const fresh = row(name, e);
    if (rows[i].dataset.sig !== fresh.dataset.sig) rows[i].replaceWith(fresh);
  });
}

function row(name, entry) {
  const status = entry.status || {};
  const info = entry.info || {};
  const config = info.config || {};
  const connector = status.connector || {};
  const type = info.type || status.type || '';
  const sig = JSON.stringify([status, type, config['connector.class']]);
  return h('tr', { 'data-sig': sig, 'data-connector': name, class: hasState(status, 'FAILED') ? 'has-failure' : null },
    h('td', { 'data-label': 'Name' }, h('a', { href: `#/connectors/${encodeURIComponent(name)}`, class: 'strong' }, name)),
    h('td', { 'data-label': 'Type' }, type ? h('span', { class: `type type-${type}` }, type) : '—'),
    h('td', { 'data-label': 'Connector' }, connector.state ? badge(connector.state) : h('span', { class: 'muted' }, 'no status')),
    h('td', { 'data-label': 'Tasks' }, taskBadges(status)),
    h('td', { 'data-label': 'Class', class: 'mono', title: config['connector.class'] || '' }, shortClass(config['connector.class']) || '—'),
    h('td', { 'data-label': 'Worker', class: 'mono' }, connector.worker_id || '—'),
  );
}
