// One connector: state, actions, tasks (with the trace of failed ones),
// configuration with secrets masked, topics and offsets.

import { api } from '../api.js';
import { announce, clock, confirmDialog, fill, h, notice, shortClass } from '../dom.js';
import { poll } from '../refresh.js';
import { masked, secretKeys, MASK } from '../secrets.js';
import { badge, taskBadges } from '../states.js';
import { offsetsSection } from './offsets.js';

const REFRESH_MS = 3000;

export function mount(main, ctx) {
  const [name] = ctx.params;
  ctx.setTitle(name);
  const href = `#/connectors/${encodeURIComponent(name)}`;
  let status = null;
  let info = null;
  let definitions = null; // the plugin's config definitions, for PASSWORD fields
  let busy = false;

  const stateEl = h('span', { class: 'head-badges' });
  const meta = h('p', { class: 'meta' }, h('span', { class: 'muted' }, 'Loading…'));
  const problems = h('div', { class: 'problems' });
  const updated = h('span', { class: 'muted refresh-note' });

  const button = (label, onclick, cls = 'button') => h('button', { type: 'button', class: cls, onclick, 'data-action': label.toLowerCase() }, label);
  const buttons = {
    pause: button('Pause', () => act(`Paused ${name}.`, 'Could not pause', () => api.pause(name))),
    resume: button('Resume', () => act(`Resumed ${name}.`, 'Could not resume', () => api.resume(name))),
    stop: button('Stop', () => act(`Stopped ${name}.`, 'Could not stop', () => api.stop(name))),
    restart: button('Restart…', restartDialog),
    edit: h('a', { class: 'button', href: `${href}/edit`, 'data-action': 'edit' }, 'Edit'),
    delete: button('Delete…', deleteDialog, 'button button-danger'),
  };

  const tasksBody = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const configBody = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const topicsBody = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const offsets = offsetsSection(name, { onChange: () => poller.now() });

  fill(main,
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/connectors' }, 'Connectors'), h('span', { 'aria-hidden': 'true' }, ' / '), h('span', { 'aria-current': 'page' }, name)),
    h('div', { class: 'page-head' }, h('h1', { class: 'connector-name' }, name), stateEl),
    meta,
    h('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Connector actions' }, Object.values(buttons), updated),
    problems,
    h('div', { class: 'grid' },
      card('Tasks', 'tasks', tasksBody, 'card-wide'),
      card('Configuration', 'config', configBody, 'card-wide'),
      card('Topics', 'topics', topicsBody),
      card('Offsets', 'offsets', offsets.el),
    ),
  );
  updateButtons();

  /** Runs an action: buttons held while it is under way, the worker's answer shown. */
  async function act(done, failed, call) {
    if (busy) return;
    busy = true;
    updateButtons();
    try {
      await call();
      announce(done);
    } catch (e) {
      announce(`${failed}: ${e.message}`, 'error');
      fill(problems, notice('error', `${failed}: ${e.message}`));
    } finally {
      busy = false;
      poller.now();
    }
  }

  async function restartDialog() {
    const includeTasks = h('input', { type: 'checkbox', id: 'restart-include-tasks', checked: true });
    const onlyFailed = h('input', { type: 'checkbox', id: 'restart-only-failed' });
    const body = h('div', { class: 'checks' },
      h('p', {}, 'Restart the connector instance, and optionally its tasks.'),
      h('label', { for: 'restart-include-tasks' }, includeTasks, ' Include tasks ', h('code', {}, 'includeTasks')),
      h('label', { for: 'restart-only-failed' }, onlyFailed, ' Only failed instances ', h('code', {}, 'onlyFailed')));
    if (await confirmDialog({ title: `Restart ${name}?`, body, confirm: 'Restart' })) {
      const options = { includeTasks: includeTasks.checked, onlyFailed: onlyFailed.checked };
      act(`Restart of ${name} requested.`, 'Could not restart', () => api.restart(name, options));
    }
  }

  async function deleteDialog() {
    const ok = await confirmDialog({
      title: `Delete ${name}?`,
      body: 'Its tasks are stopped and its configuration is removed from the worker. This cannot be undone.',
      confirm: 'Delete connector',
      danger: true,
    });
    if (!ok) return;
    busy = true;
    updateButtons();
    try {
      await api.remove(name);
      announce(`Deleted ${name}.`);
      ctx.navigate('#/connectors');
    } catch (e) {
      busy = false;
      updateButtons();
      fill(problems, notice('error', `Could not delete ${name}: ${e.message}`));
    }
  }

  function updateButtons() {
    const state = status && status.connector ? status.connector.state : null;
    const known = Boolean(status);
    buttons.pause.disabled = busy || !known || state === 'PAUSED' || state === 'STOPPED';
    buttons.resume.disabled = busy || !known || (state !== 'PAUSED' && state !== 'STOPPED');
    buttons.stop.disabled = busy || !known || state === 'STOPPED';
    buttons.restart.disabled = busy || !known;
    buttons.delete.disabled = busy || !known;
  }

  function render() {
    const connector = (status && status.connector) || {};
    const type = (info && info.type) || (status && status.type);
    fill(stateEl, type ? h('span', { class: `type type-${type}` }, type) : null, connector.state ? badge(connector.state, 'Connector') : null, status ? h('span', { class: 'badges' }, h('span', { class: 'muted small' }, 'Tasks'), taskBadges(status)) : null);
    const cls = info && info.config ? info.config['connector.class'] : null;
    fill(meta,
      cls ? h('span', { class: 'mono', title: cls }, shortClass(cls)) : null,
      connector.worker_id ? h('span', {}, 'on ', h('span', { class: 'mono' }, connector.worker_id)) : null,
      info ? h('span', {}, `${info.tasks.length} task${info.tasks.length === 1 ? '' : 's'} configured`) : null);
    renderOnce(tasksBody, status, () => tasksView(status, connector));
    renderOnce(configBody, [info && info.config, definitions], () => configView(info ? info.config : {}, definitions || []));
    offsets.setState(connector.state || null);
    updateButtons();
  }

  function tasksView(st, connector) {
    const blocks = [];
    if (connector.trace) blocks.push(trace('Connector', connector.trace, 'connector'));
    const tasks = (st && st.tasks) || [];
    if (tasks.length === 0) {
      blocks.push(h('p', { class: 'muted' }, connector.state === 'STOPPED' ? 'A stopped connector has no tasks.' : 'No tasks (yet).'));
      return blocks;
    }
    blocks.push(h('table', { class: 'table table-cards tasks' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Task'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Worker'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
      h('tbody', {}, tasks.map((t) => h('tr', { 'data-task': t.id },
        h('td', { 'data-label': 'Task' }, `#${t.id}`),
        h('td', { 'data-label': 'State' }, badge(t.state)),
        h('td', { 'data-label': 'Worker', class: 'mono' }, t.worker_id || '—'),
        h('td', { 'data-label': '' }, h('button', { type: 'button', class: 'button button-small', 'aria-label': `Restart task ${t.id}`,
          onclick: () => act(`Restart of task ${t.id} requested.`, `Could not restart task ${t.id}`, () => api.restartTask(name, t.id)) }, 'Restart task')))))));
    for (const t of tasks.filter((x) => x.trace)) blocks.push(trace(`Task #${t.id}`, t.trace, `task-${t.id}`));
    return blocks;
  }

  function loadTopics() {
    return api.topics(name).then((t) => {
      const topics = (t && t[name] && t[name].topics) || [];
      renderOnce(topicsBody, topics, () => [
        topics.length ? h('ul', { class: 'chips' }, topics.map((x) => h('li', { class: 'chip mono' }, x))) : h('p', { class: 'muted' }, 'No active topics recorded.'),
        h('button', { type: 'button', class: 'button button-small', onclick: () => act(`Active topics of ${name} reset.`, 'Could not reset the topics', () => api.resetTopics(name)) }, 'Reset active topics'),
      ]);
    }, (e) => renderOnce(topicsBody, e.message, () => notice('warning', `Topics unavailable: ${e.message}`)));
  }

  const poller = poll(async () => {
    try {
      [status, info] = await Promise.all([api.status(name), api.connector(name)]);
    } catch (e) {
      render();
      throw e;
    }
    if (definitions === null && info && info.config) {
      definitions = await api.pluginConfig(info.config['connector.class']).catch(() => []);
    }
    render();
    await Promise.all([loadTopics(), offsets.load()]);
  }, {
    intervalMs: REFRESH_MS,
    onOk: () => {
      fill(problems);
      fill(updated, `Updated ${clock()}`);
    },
    onError: (e) => {
      const gone = e.status === 404;
      fill(problems, notice(gone ? 'warning' : 'error', gone ? `Connector ${name} does not exist on this worker (${e.message}).` : `Could not refresh: ${e.message}`,
        h('p', { class: 'muted' }, gone ? h('a', { href: '#/connectors' }, 'Back to the connectors') : status ? 'Showing the last state received; retrying.' : 'Retrying.')));
      fill(updated, `Refresh failed at ${clock()}`);
    },
  });
  return () => poller.stop();
}

function card(title, id, body, cls = '') {
  return h('section', { class: `card ${cls}`, 'aria-labelledby': `${id}-h`, id: `section-${id}` }, h('h2', { id: `${id}-h` }, title), body);
}

/** Re-renders `el` only when `data` changed, so open traces and focus survive refreshes. */
function renderOnce(el, data, build) {
  const sig = JSON.stringify(data ?? null);
  if (el.dataset.sig === sig) return;
  el.dataset.sig = sig;
  fill(el, build());
}

function trace(title, text, id) {
  return h('details', { class: 'trace', open: true, 'data-trace': id },
    h('summary', {}, `${title} failed`, h('span', { class: 'trace-first' }, `: ${text.split('\n')[0]}`)),
    h('pre', { tabindex: '0', 'aria-label': `Trace of ${title}` }, text));
}

function configView(config, definitions) {
  const secret = secretKeys(config, definitions);
  const shown = masked(config, definitions);
  const keys = Object.keys(shown).sort();
  if (keys.length === 0) return h('p', { class: 'muted' }, 'No configuration.');
  return h('table', { class: 'table config' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Key'), h('th', { scope: 'col' }, 'Value'))),
    h('tbody', {}, keys.map((k) => h('tr', {},
      h('th', { scope: 'row', class: 'mono' }, k),
      h('td', { class: 'mono value' }, secret.has(k) && shown[k] === MASK ? h('span', { class: 'masked', title: 'hidden: a password or secret' }, MASK) : shown[k])))));
}
