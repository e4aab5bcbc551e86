// Which config values are secret, so the UI never shows them in clear.

/** Keys that look like secrets, for keys no plugin definition describes. */
const SECRET_KEY = /(^|[._-])(password|passwd|secret|credentials?|token|api[._-]?key|jaas\.config)($|[._-])|secret/i;

/**
 * The set of secret keys of a config: the PASSWORD-typed keys of the
 * plugin's definitions, plus keys whose name looks like a secret.
 * `definitions` is GET /connector-plugins/{p}/config (or [] when unknown).
 */
export function secretKeys(config, definitions = []) {
  const passwords = new Set(definitions.filter((d) => d.type === 'PASSWORD').map((d) => d.name));
  const keys = new Set();
  for (const key of Object.keys(config || {})) {
    if (passwords.has(key) || SECRET_KEY.test(key)) keys.add(key);
  }
  return keys;
}

export const MASK = '••••••••';

/** The config with secret values replaced by MASK (empty values stay empty). */
export function masked(config, definitions = []) {
  const secret = secretKeys(config, definitions);
  return Object.fromEntries(Object.entries(config || {}).map(([k, v]) => [k, secret.has(k) && v !== '' ? MASK : v]));
}
