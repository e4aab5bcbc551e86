// The generated connector form: a field per definition, in groups, plus
// free "other settings" for keys no definition names (consumer.override.*…).

import { h } from '../dom.js';
import { secretKeys } from '../secrets.js';
import { createField } from './fields.js';
import { buildConfig, groupDefinitions, newDefinitions } from './model.js';

const NAME_DEFINITION = { name: 'name', type: 'STRING', required: true, importance: 'HIGH', group: 'Common', order: 1, documentation: 'Globally unique name to use for this connector.' };

export class ConnectorForm {
  /**
   * definitions: GET /connector-plugins/{p}/config; config: the initial
   * values (a stored config when editing); onChange(): after each edit.
   */
  constructor({ pluginClass, definitions, config = {}, nameLocked = false, onChange = () => {} }) {
    this.pluginClass = pluginClass;
    this.definitions = definitions.some((d) => d.name === 'name') ? [...definitions] : [NAME_DEFINITION, ...definitions];
    this.nameLocked = nameLocked;
    this.onChange = onChange;
    this.fields = new Map();
    this.groups = new Map();
    this.extras = [];
    this.touched = new Set();
    this.extraList = h('div', { class: 'extras' });
    this.el = h('div', { class: 'form-groups' });
    this.otherGroup = this.buildOtherGroup();
    for (const group of groupDefinitions(this.definitions, pluginClass)) this.addGroup(group, config);
    this.el.append(this.otherGroup);
    const known = new Set(this.definitions.map((d) => d.name));
    for (const [k, v] of Object.entries(config)) if (!known.has(k)) this.addExtra(k, v);
  }

  addGroup(group, config) {
    const id = `group-${this.groups.size}`;
    const count = h('span', { class: 'group-errors', hidden: true });
    const size = group.fields.length + group.more.length;
    const setCount = [...group.fields, ...group.more].filter((d) => config[d.name] !== undefined && config[d.name] !== '').length;
    const sizeNote = h('span', { class: 'group-size' }, `${size} setting${size === 1 ? '' : 's'}${setCount ? `, ${setCount} set` : ''}`);
    const body = h('div', { class: 'group-fields' });
    const moreBody = h('div', { class: 'group-fields' });
    const more = h('details', { class: 'more', hidden: group.more.length === 0 }, h('summary', {}, `${group.more.length} more setting${group.more.length === 1 ? '' : 's'}`), moreBody);
    let section;
    if (group.folded) {
      section = h('details', { class: 'group group-folded', 'data-group': group.name }, h('summary', {}, h('span', { class: 'group-title', id }, group.name), sizeNote, count), body, more);
    } else {
      section = h('section', { class: 'group', 'data-group': group.name, 'aria-labelledby': id }, h('h2', { class: 'group-title', id }, group.name, count), body, more);
    }
    const entry = { section, body, moreBody, more, count, folded: group.folded, name: group.name };
    this.groups.set(group.name, entry);
    this.el.insertBefore(section, this.otherGroup && this.otherGroup.parentNode === this.el ? this.otherGroup : null);
    for (const d of group.fields) this.addField(d, config[d.name], body, entry);
    for (const d of group.more) this.addField(d, config[d.name], moreBody, entry);
  }

  addField(definition, value, container, group) {
    const secret = secretKeys({ [definition.name]: '' }, [definition]).size > 0;
    const field = createField(definition, value, {
      secret,
      onInput: (key) => {
        this.touched.add(key);
        this.onChange();
      },
    });
    if (definition.name === 'name' && this.nameLocked) {
      const input = field.el.querySelector('input');
      if (input) input.readOnly = true;
    }
    field.group = group;
    this.fields.set(definition.name, field);
    container.append(field.el);
  }

  buildOtherGroup() {
    const key = h('input', { class: 'input', id: 'extra-key', placeholder: 'key, e.g. consumer.override.max.poll.records', spellcheck: 'false', autocomplete: 'off' });
    const value = h('input', { class: 'input', id: 'extra-value', placeholder: 'value', spellcheck: 'false', autocomplete: 'off' });
    const add = h('button', { type: 'button', class: 'button button-small' }, 'Add setting');
    const addIt = () => {
      const k = key.value.trim();
      if (!k) {
        key.focus();
        return;
      }
      if (this.fields.has(k)) {
        this.fields.get(k).setValue(value.value);
        this.fields.get(k).focus();
      } else {
        this.addExtra(k, value.value);
      }
      this.touched.add(k);
      key.value = '';
      value.value = '';
      key.focus();
      this.onChange();
    };
    add.addEventListener('click', addIt);
    for (const input of [key, value]) input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        addIt();
      }
    });
    return h('section', { class: 'group', 'aria-labelledby': 'other-h' },
      h('h2', { class: 'group-title', id: 'other-h' }, 'Other settings'),
      h('p', { class: 'field-help' }, 'Keys the plugin does not describe, such as consumer.override.* or producer.override.*.'),
      this.extraList,
      h('div', { class: 'extra-add' },
        h('label', { class: 'visually-hidden', for: 'extra-key' }, 'New setting key'), key,
        h('label', { class: 'visually-hidden', for: 'extra-value' }, 'New setting value'), value, add));
  }

  addExtra(key, value) {
    const field = createField({ name: key, type: secretKeys({ [key]: '' }).size ? 'PASSWORD' : 'STRING', documentation: null }, value, {
      onInput: (k) => {
        this.touched.add(k);
        this.onChange();
      },
      removable: () => {
        this.extras = this.extras.filter((f) => f !== field);
        field.el.remove();
        this.onChange();
      },
    });
    this.extras.push(field);
    this.extraList.append(field.el);
  }

  /** Definitions that validation reports and the form lacks (transforms.x.type…): they become fields. */
  addDefinitions(validated) {
    const fresh = newDefinitions(this.definitions, validated);
    if (fresh.length === 0) return;
    this.definitions.push(...fresh);
    for (const group of groupDefinitions(fresh, this.pluginClass)) {
      const values = {};
      for (const d of [...group.fields, ...group.more]) {
        const extra = this.extras.find((f) => f.key === d.name);
        if (extra) {
          values[d.name] = extra.value;
          extra.el.remove();
          this.extras = this.extras.filter((f) => f !== extra);
        }
      }
      const existing = this.groups.get(group.name);
      if (!existing) {
        this.addGroup(group, values);
        continue;
      }
      for (const d of group.fields) this.addField(d, values[d.name], existing.body, existing);
      for (const d of group.more) this.addField(d, values[d.name], existing.moreBody, existing);
      if (group.more.length) existing.more.hidden = false;
    }
  }

  get name() {
    const f = this.fields.get('name');
    return f ? f.value.trim() : '';
  }

  /** key → text of every field and extra setting. */
  values() {
    const out = {};
    for (const [k, f] of this.fields) if (k !== 'name') out[k] = f.value;
    for (const f of this.extras) out[f.key] = f.value;
    return out;
  }

  config() {
    return buildConfig({ pluginClass: this.pluginClass, name: this.name, values: this.values() });
  }

  /** Puts a whole config into the form (from the JSON editor). */
  load(name, config) {
    const rest = { ...config };
    delete rest['connector.class'];
    delete rest.name;
    if (!this.nameLocked && this.fields.has('name')) this.fields.get('name').setValue(name || '');
    for (const [k, f] of this.fields) if (k !== 'name') f.setValue(rest[k] ?? '');
    for (const f of this.extras) f.el.remove();
    this.extras = [];
    for (const [k, v] of Object.entries(rest)) if (!this.fields.has(k)) this.addExtra(k, v);
    for (const k of Object.keys(rest)) this.touched.add(k);
  }

  /**
   * Shows validation errors on the fields the user touched (all of them
   * when `showAll`). Returns [{ key, errors, field }] for every error.
   */
  showErrors(errors, showAll) {
    const perGroup = new Map();
    const all = [];
    for (const [key, field] of this.fields) {
      const list = errors.get(key) || [];
      const show = showAll || this.touched.has(key);
      field.setErrors(list, show);
      if (list.length && show) perGroup.set(field.group, (perGroup.get(field.group) || 0) + 1);
      if (list.length && field.el.closest('details.more') && show) field.el.closest('details.more').open = true;
    }
    for (const [key, list] of errors) all.push({ key, errors: list, field: this.fields.get(key) || null });
    for (const group of this.groups.values()) {
      const n = perGroup.get(group) || 0;
      group.count.hidden = n === 0;
      group.count.textContent = n ? `${n} problem${n === 1 ? '' : 's'}` : '';
      if (n && group.folded) group.section.open = true;
    }
    return all;
  }

  touchAll() {
    for (const k of this.fields.keys()) this.touched.add(k);
  }
}
