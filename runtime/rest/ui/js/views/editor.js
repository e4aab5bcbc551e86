// Create and edit: pick a plugin, fill the form generated from its config
// definitions (checked by /config/validate as you type) or write the JSON.

import { api } from '../api.js';
import { announce, fill, h, notice, shortClass } from '../dom.js';
import { ConnectorForm } from '../form/form.js';
import { parseRawJson, readValidation } from '../form/model.js';

const VALIDATE_DELAY_MS = 300;

export function mount(main, ctx) {
  const editing = ctx.path.startsWith('/connectors/');
  if (!editing && !ctx.params[0]) return choosePlugin(main, ctx);
  let alive = true;
  const title = editing ? `Edit ${ctx.params[0]}` : `New ${shortClass(ctx.params[0]).replace(/Connector$/, '')} connector`;
  ctx.setTitle(title);
  fill(main, h('div', { class: 'page-head' }, h('h1', {}, title)), h('p', { class: 'muted' }, 'Loading the plugin’s settings…'));

  const load = editing
    ? api.connector(ctx.params[0]).then(async (info) => {
      const cls = info.config['connector.class'];
      return { name: info.name, pluginClass: cls, config: info.config, definitions: await api.pluginConfig(cls), type: info.type };
    })
    : api.pluginConfig(ctx.params[0]).then((definitions) => ({ name: '', pluginClass: ctx.params[0], config: {}, definitions, type: null }));

  load.then((setup) => alive && showEditor(main, ctx, editing, title, setup, () => alive))
    .catch((e) => alive && fill(main, h('div', { class: 'page-head' }, h('h1', {}, title)),
      notice('error', editing ? `Could not load ${ctx.params[0]}: ${e.message}` : `Could not load the settings of ${ctx.params[0]}: ${e.message}`),
      h('p', {}, h('a', { href: editing ? `#/connectors/${encodeURIComponent(ctx.params[0])}` : '#/new' }, 'Back'))));
  return () => {
    alive = false;
  };
}

function choosePlugin(main, ctx) {
  ctx.setTitle('New connector');
  const list = h('div', { class: 'plugin-list' }, h('p', { class: 'muted' }, 'Loading the plugins…'));
  fill(main, h('div', { class: 'page-head' }, h('h1', {}, 'New connector')), h('p', {}, 'Choose the plugin the connector runs.'), list);
  api.plugins(true).then((plugins) => {
    const kinds = [['source', 'Sources', 'read from a system and write records to topics'], ['sink', 'Sinks', 'read records from topics and write them to a system']];
    fill(list, kinds.map(([type, heading, what]) => {
      const mine = (plugins || []).filter((p) => p.type === type).sort((a, b) => a.class.localeCompare(b.class));
      if (mine.length === 0) return null;
      return h('section', { class: 'plugin-kind', 'aria-labelledby': `kind-${type}` },
        h('h2', { id: `kind-${type}` }, heading, h('span', { class: 'muted small' }, ` · ${what}`)),
        h('ul', { class: 'plugins-pick' }, mine.map((p) => h('li', {},
          h('a', { class: 'plugin-card', href: `#/new/${encodeURIComponent(p.class)}`, 'data-plugin': p.class },
            h('span', { class: 'strong' }, shortClass(p.class).replace(/Connector$/, '')),
            h('span', { class: 'muted mono small' }, p.class),
            h('span', { class: 'muted small' }, `version ${p.version}`))))));
    }));
  }).catch((e) => fill(list, notice('error', `Could not list the plugins: ${e.message}`)));
}

function showEditor(main, ctx, editing, title, setup, alive) {
  let showAll = false;
  let tab = 'form';
  let timer = null;
  let seq = 0;
  let submitting = false;

  const summary = h('div', { class: 'validation', 'aria-live': 'polite', id: 'validation-summary' });
  const result = h('div', { class: 'submit-result' });
  const form = new ConnectorForm({
    pluginClass: setup.pluginClass,
    definitions: setup.definitions,
    config: setup.config,
    nameLocked: editing,
    onChange: () => schedule(),
  });
  const raw = h('textarea', { class: 'input code', id: 'raw-json', rows: 22, spellcheck: 'false', 'aria-label': 'Connector as JSON: name and config' });
  raw.addEventListener('input', () => schedule());

  const formPanel = h('div', { id: 'panel-form', role: 'tabpanel', 'aria-labelledby': 'tab-form' }, form.el);
  const jsonPanel = h('div', { id: 'panel-json', role: 'tabpanel', 'aria-labelledby': 'tab-json', hidden: true },
    h('p', { class: 'field-help' }, editing ? 'The whole configuration, as PUT /connectors/{name}/config takes it (keys left out are removed).' : 'The request body of POST /connectors: {"name": …, "config": {…}}.'),
    raw);
  const tabs = {
    form: h('button', { type: 'button', role: 'tab', id: 'tab-form', 'aria-controls': 'panel-form', 'aria-selected': 'true', class: 'tab' }, 'Form'),
    json: h('button', { type: 'button', role: 'tab', id: 'tab-json', 'aria-controls': 'panel-json', 'aria-selected': 'false', tabindex: '-1', class: 'tab' }, 'JSON'),
  };
  tabs.form.addEventListener('click', () => switchTo('form'));
  tabs.json.addEventListener('click', () => switchTo('json'));
  for (const t of Object.values(tabs)) t.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      e.preventDefault();
      switchTo(tab === 'form' ? 'json' : 'form');
      tabs[tab].focus();
    }
  });

  const submit = h('button', { type: 'submit', class: 'button button-primary', id: 'submit' }, editing ? 'Save changes' : 'Create connector');
  const cancelHref = editing ? `#/connectors/${encodeURIComponent(setup.name)}` : '#/new';
  const formEl = h('form', { class: 'editor', novalidate: true, 'aria-describedby': 'validation-summary' },
    h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Edit as' }, tabs.form, tabs.json),
    formPanel, jsonPanel,
    h('div', { class: 'editor-footer' }, summary, result, h('div', { class: 'row' }, submit, h('a', { class: 'button', href: cancelHref }, 'Cancel'))));
  formEl.addEventListener('submit', (e) => {
    e.preventDefault();
    onSubmit();
  });

  fill(main,
    editing ? h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/connectors' }, 'Connectors'), ' / ', h('a', { href: cancelHref }, setup.name), ' / ', h('span', { 'aria-current': 'page' }, 'Edit')) : null,
    h('div', { class: 'page-head' }, h('h1', {}, title)),
    h('p', { class: 'meta' }, h('span', { class: 'mono', title: setup.pluginClass }, setup.pluginClass), setup.type ? h('span', { class: `type type-${setup.type}` }, setup.type) : null),
    formEl);
  // The loading heading had the focus; the new one takes it.
  if (document.activeElement === document.body) {
    const heading = main.querySelector('h1');
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  validate();

  /** The connector the active tab describes: { name, config }, or throws. */
  function current() {
    if (tab === 'json') {
      const parsed = parseRawJson(raw.value, editing ? setup.name : '');
      return { name: editing ? setup.name : parsed.name, config: parsed.config };
    }
    return { name: editing ? setup.name : form.name, config: form.config() };
  }

  function switchTo(next) {
    if (next === tab) return;
    if (next === 'json') {
      const { name, config } = current();
      raw.value = JSON.stringify(editing ? config : { name, config }, null, 2);
    } else {
      try {
        const { name, config } = current();
        form.load(name, config);
      } catch (e) {
        fill(summary, notice('error', `${e.message}. Fix the JSON to go back to the form.`));
        return;
      }
    }
    tab = next;
    formPanel.hidden = tab !== 'form';
    jsonPanel.hidden = tab !== 'json';
    for (const [k, t] of Object.entries(tabs)) {
      t.setAttribute('aria-selected', String(k === tab));
      t.tabIndex = k === tab ? 0 : -1;
    }
    validate();
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(validate, VALIDATE_DELAY_MS);
  }

  async function validate() {
    clearTimeout(timer);
    const mine = ++seq;
    let connector;
    try {
      connector = current();
    } catch (e) {
      fill(summary, notice('error', e.message));
      return null;
    }
    summary.classList.add('checking');
    try {
      const config = { ...connector.config };
      if (connector.name) config.name = connector.name;
      const v = readValidation(await api.validate(setup.pluginClass, config));
      if (mine !== seq || !alive()) return null;
      form.addDefinitions(v.definitions);
      const listed = tab === 'form' ? form.showErrors(v.errors, showAll) : [...v.errors].map(([key, errors]) => ({ key, errors, field: null }));
      for (const [key, values] of v.recommended) {
        const f = form.fields.get(key);
        if (f) f.setRecommended(values);
      }
      renderSummary(listed);
      return v;
    } catch (e) {
      if (mine === seq) fill(summary, notice('error', `Could not check the configuration: ${e.message}`));
      return null;
    } finally {
      if (mine === seq) summary.classList.remove('checking');
    }
  }

  function renderSummary(listed) {
    const visible = listed.filter((p) => tab === 'json' || showAll || (p.field && form.touched.has(p.key)));
    const hidden = listed.length - visible.length;
    if (listed.length === 0) {
      fill(summary, h('p', { class: 'ok' }, '✓ No problems found by the worker’s validation.'));
      return;
    }
    if (visible.length === 0) {
      fill(summary, h('p', { class: 'muted' }, `${hidden} setting${hidden === 1 ? '' : 's'} still to fill in.`));
      return;
    }
    fill(summary, h('div', { class: 'problems-list', role: 'group', 'aria-label': 'Problems' },
      h('p', { class: 'strong' }, `${visible.length} problem${visible.length === 1 ? '' : 's'} to fix:`),
      h('ul', {}, visible.map((p) => h('li', {},
        p.field ? h('a', { href: `#field-${p.key}`, onclick: (e) => {
          e.preventDefault();
          p.field.focus();
        } }, h('code', {}, p.key)) : h('code', {}, p.key),
        ': ', p.errors.join(' '))))));
  }

  async function onSubmit() {
    if (submitting) return;
    let connector;
    try {
      connector = current();
    } catch (e) {
      fill(result, notice('error', e.message));
      return;
    }
    submitting = true;
    submit.disabled = true;
    fill(result, h('p', { class: 'muted' }, editing ? 'Saving…' : 'Creating…'));
    try {
      if (editing) await api.putConfig(setup.name, connector.config);
      else await api.create(connector.name, connector.config);
      announce(editing ? `Saved ${setup.name}.` : `Created ${connector.name}.`);
      ctx.navigate(`#/connectors/${encodeURIComponent(editing ? setup.name : connector.name)}`);
    } catch (e) {
      // The worker refused: show its message as it is, and every field's error.
      showAll = true;
      form.touchAll();
      fill(result, notice('error', `The worker refused the connector (${e.status || 'no answer'}): ${e.message}`));
      validate();
    } finally {
      submitting = false;
      submit.disabled = false;
    }
  }
}
