// The cluster overview: what GET / says about this worker, the workers
// seen in connector statuses, and every installed plugin.

import { api } from '../api.js';
import { fill, h, notice, shortClass } from '../dom.js';
import { STATES, badge } from '../states.js';

const PLUGIN_TYPES = ['source', 'sink', 'converter', 'header_converter', 'transformation', 'predicate'];

export function mount(main, ctx) {
  ctx.setTitle('Cluster');
  const info = h('section', { class: 'card', 'aria-labelledby': 'worker-h' }, h('h2', { id: 'worker-h' }, 'This worker'), h('p', { class: 'muted' }, 'Loading…'));
  const workers = h('section', { class: 'card', 'aria-labelledby': 'workers-h' }, h('h2', { id: 'workers-h' }, 'Workers and connectors'), h('p', { class: 'muted' }, 'Loading…'));
  const plugins = h('section', { class: 'card card-wide', 'aria-labelledby': 'plugins-h' }, h('h2', { id: 'plugins-h' }, 'Plugins'), h('p', { class: 'muted' }, 'Loading…'));
  fill(main, h('div', { class: 'page-head' }, h('h1', {}, 'Cluster')), h('div', { class: 'grid' }, info, workers, plugins));

  let alive = true;
  const section = (el, title, id, ...content) => alive && fill(el, h('h2', { id }, title), ...content);

  Promise.all([api.root(), api.connectors().catch((e) => e)]).then(([root, all]) => {
    const statuses = all instanceof Error ? null : Object.values(all || {}).map((e) => e.status).filter(Boolean);
    const ids = workerIds(statuses || []);
    section(info, 'This worker', 'worker-h', h('dl', { class: 'facts' },
      fact('Version', `Ferry ${root.version}`),
      fact('Commit', root.commit),
      fact('Kafka cluster id', root.kafka_cluster_id || '—'),
      root.log ? fact('Log', root.log === 'embedded' ? 'embedded (no Kafka)' : root.log) : null,
      fact('Mode', mode(root, ids)),
      fact('Worker id', ids.length ? ids.join(', ') : 'shown once a connector runs'),
      fact('REST URL', window.location.origin),
    ));
    if (statuses === null) {
      section(workers, 'Workers and connectors', 'workers-h', notice('error', `Could not list the connectors: ${all.message}`));
    } else {
      section(workers, 'Workers and connectors', 'workers-h', stateCounts(statuses), workerTable(statuses));
    }
  }).catch((e) => {
    section(info, 'This worker', 'worker-h', notice('error', `Could not reach the worker: ${e.message}`));
    section(workers, 'Workers and connectors', 'workers-h', h('p', { class: 'muted' }, 'Unknown while the worker cannot be reached.'));
  });

  api.plugins(false).then((list) => section(plugins, 'Plugins', 'plugins-h', pluginTable(list || [])))
    .catch((e) => section(plugins, 'Plugins', 'plugins-h', notice('error', `Could not list the plugins: ${e.message}`)));

  return () => {
    alive = false;
  };
}

const fact = (term, value) => [h('dt', {}, term), h('dd', {}, value)];

/** Every worker id seen in the statuses of connectors and tasks. */
function workerIds(statuses) {
  const ids = new Set();
  for (const s of statuses) {
    if (s.connector && s.connector.worker_id) ids.add(s.connector.worker_id);
    for (const t of s.tasks || []) if (t.worker_id) ids.add(t.worker_id);
  }
  return [...ids].sort();
}

/** Connect's GET / does not say the mode; what the API does show decides it. */
function mode(root, ids) {
  if (root.log === 'embedded') return 'standalone';
  if (ids.length > 1) return `distributed, ${ids.length} workers running connectors`;
  return 'single worker on Kafka';
}

function stateCounts(statuses) {
  const counts = new Map(STATES.map((s) => [s, 0]));
  for (const s of statuses) if (s.connector) counts.set(s.connector.state, (counts.get(s.connector.state) || 0) + 1);
  const shown = [...counts].filter(([, n]) => n > 0);
  const total = `${statuses.length} connector${statuses.length === 1 ? '' : 's'}`;
  return h('p', { class: 'badges' }, h('span', {}, total), shown.map(([s, n]) => h('a', { href: `#/connectors?state=${s}`, class: 'badge-link' }, badge(s), ` ${n}`)));
}

function workerTable(statuses) {
  const perWorker = new Map();
  for (const s of statuses) {
    for (const t of s.tasks || []) {
      const w = t.worker_id || 'unassigned';
      if (!perWorker.has(w)) perWorker.set(w, { connectors: new Set(), tasks: 0, failed: 0 });
      const entry = perWorker.get(w);
      entry.connectors.add(s.name);
      entry.tasks += 1;
      if (t.state === 'FAILED') entry.failed += 1;
    }
  }
  if (perWorker.size === 0) return h('p', { class: 'muted' }, 'No task is running yet.');
  return h('table', { class: 'table table-cards' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Worker'), h('th', { scope: 'col' }, 'Connectors'), h('th', { scope: 'col' }, 'Tasks'), h('th', { scope: 'col' }, 'Failed'))),
    h('tbody', {}, [...perWorker].sort(([a], [b]) => a.localeCompare(b)).map(([w, e]) =>
      h('tr', {}, h('td', { class: 'mono', 'data-label': 'Worker' }, w), h('td', { 'data-label': 'Connectors' }, e.connectors.size),
        h('td', { 'data-label': 'Tasks' }, e.tasks), h('td', { 'data-label': 'Failed' }, e.failed ? badge('FAILED', String(e.failed)) : '0')))));
}

function pluginTable(list) {
  const sorted = [...list].sort((a, b) => PLUGIN_TYPES.indexOf(a.type) - PLUGIN_TYPES.indexOf(b.type) || a.class.localeCompare(b.class));
  return h('table', { class: 'table table-cards plugins' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Class'), h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Version'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Use')))),
    h('tbody', {}, sorted.map((p) => h('tr', { 'data-plugin': p.class },
      h('td', { 'data-label': 'Class', class: 'mono', title: p.class }, h('span', { class: 'strong' }, shortClass(p.class)), h('span', { class: 'muted pkg' }, packageOf(p.class))),
      h('td', { 'data-label': 'Type' }, h('span', { class: `type type-${p.type}` }, p.type.replace('_', ' '))),
      h('td', { 'data-label': 'Version' }, p.version || '—'),
      h('td', { 'data-label': '' }, p.type === 'source' || p.type === 'sink' ? h('a', { href: `#/new/${encodeURIComponent(p.class)}` }, 'Create…') : null)))));
}

const packageOf = (cls) => {
  const i = cls.lastIndexOf('.');
  return i > 0 ? ` ${cls.slice(0, i)}` : '';
};
