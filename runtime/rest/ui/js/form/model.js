// The connector form as data: which fields, in which groups and order, and
// the config a set of typed values makes. Pure functions, no DOM.

/** Groups every connector has; shown after the plugin's own settings, folded. */
const FRAMEWORK_GROUPS = ['Transforms', 'Predicates', 'Error Handling', 'Topic Creation', 'Exactly Once Support', 'offsets.topic'];

/** Keys the form sets itself rather than asking for. */
export const FIXED_KEYS = ['connector.class'];

/** The label of the plugin's own group (definitions with no group). */
export function pluginGroupName(pluginClass) {
  const short = String(pluginClass || 'Connector').split('.').pop();
  return `${short.replace(/Connector$/, '') || short} settings`;
}

/**
 * Definitions grouped for the form: Common first, then the plugin's own
 * groups, then the framework's (folded). Within a group, required fields
 * come first, then Connect's `order`, then the order given; LOW-importance
 * keys are set apart (`more`) so the form opens on what matters.
 * Returns [{ name, folded, fields: [definition…], more: [definition…] }].
 */
export function groupDefinitions(definitions, pluginClass) {
  const ownGroup = pluginGroupName(pluginClass);
  const groups = new Map();
  definitions.forEach((d, index) => {
    if (FIXED_KEYS.includes(d.name)) return;
    const name = d.group || ownGroup;
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push({ d, index });
  });
  const rank = (name) => (name === 'Common' ? 0 : FRAMEWORK_GROUPS.includes(name) ? 2 + FRAMEWORK_GROUPS.indexOf(name) : 1);
  return [...groups.entries()]
    .map(([name, items], firstSeen) => ({ name, firstSeen, items }))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.firstSeen - b.firstSeen)
    .map(({ name, items }) => {
      const sorted = items
        .sort((a, b) => Number(b.d.required) - Number(a.d.required) || orderOf(a.d) - orderOf(b.d) || a.index - b.index)
        .map((i) => i.d);
      const folded = FRAMEWORK_GROUPS.includes(name);
      const minor = (d) => !folded && !d.required && d.importance === 'LOW';
      return { name, folded, fields: sorted.filter((d) => !minor(d)), more: sorted.filter(minor) };
    });
}

const orderOf = (d) => (typeof d.order === 'number' && d.order >= 0 ? d.order : Number.MAX_SAFE_INTEGER);

/** How a field is edited. */
export function fieldKind(definition) {
  switch (definition.type) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INT':
    case 'LONG':
    case 'SHORT':
    case 'DOUBLE':
      return 'number';
    case 'PASSWORD':
      return 'password';
    case 'LIST':
      return 'list';
    default:
      return 'text';
  }
}

/** What the help text says about the default, or null when there is none. */
export function defaultText(definition) {
  const v = definition.default_value;
  if (definition.required || v === null || v === undefined) return null;
  return v === '' ? 'empty' : String(v);
}

/**
 * The config the form describes from `values` (key → text typed). An empty
 * value leaves the key out, so its default applies (and editing removes it);
 * connector.class and name are always set.
 */
export function buildConfig({ pluginClass, name, values }) {
  const config = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === '' || value === null || value === undefined) delete config[key];
    else config[key] = String(value);
  }
  config['connector.class'] = pluginClass;
  if (name !== undefined && name !== '') config.name = name;
  else delete config.name;
  return config;
}

/**
 * A /config/validate answer, by key: { errors: Map(key → [messages]),
 * recommended: Map(key → [values]), definitions: [definition…], count }.
 */
export function readValidation(answer) {
  const errors = new Map();
  const recommended = new Map();
  const definitions = [];
  for (const c of (answer && answer.configs) || []) {
    const name = c.value ? c.value.name : c.definition && c.definition.name;
    if (!name) continue;
    if (c.definition) definitions.push(c.definition);
    if (c.value && c.value.errors && c.value.errors.length) errors.set(name, [...new Set(c.value.errors)]);
    if (c.value && c.value.recommended_values && c.value.recommended_values.length) recommended.set(name, c.value.recommended_values);
  }
  return { errors, recommended, definitions, count: (answer && answer.error_count) || 0 };
}

/** Definitions of `validated` that `known` lacks (transforms.x.type…, added as keys are set). */
export function newDefinitions(known, validated) {
  const names = new Set(known.map((d) => d.name));
  return validated.filter((d) => !names.has(d.name) && !FIXED_KEYS.includes(d.name));
}

/**
 * Parses the raw JSON editor's text: `{name, config}` or a bare config
 * object. Returns { name, config } or throws an Error that says what is wrong.
 */
export function parseRawJson(text, fallbackName) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`Not valid JSON: ${e.message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('Expected a JSON object: {"name": …, "config": {…}}');
  const config = parsed.config && typeof parsed.config === 'object' && !Array.isArray(parsed.config) ? parsed.config : parsed.config === undefined ? parsed : null;
  if (!config) throw new Error('"config" must be an object of configuration keys');
  const out = {};
  for (const [k, v] of Object.entries(config)) {
    if (v !== null && typeof v === 'object') throw new Error(`The value of ${k} must be a string, number or boolean`);
    out[k] = v === null ? v : String(v);
  }
  const name = typeof parsed.name === 'string' ? parsed.name : typeof out.name === 'string' ? out.name : fallbackName;
  return { name, config: out };
}
