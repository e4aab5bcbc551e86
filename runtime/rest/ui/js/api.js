// The Kafka Connect REST API, as the UI uses it. Only public endpoints, so
// the UI works against any worker (and Kafka Connect itself).

/** A refused or failed request: the worker's own message when it sent one. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // 0: the worker could not be reached
  }
  get unreachable() {
    return this.status === 0;
  }
}

const TIMEOUT_MS = 15000;

/** Fires `change` (detail: true or false) when the worker becomes reachable or not. */
export const connection = new EventTarget();
let reachable = null;

function report(ok) {
  if (ok === reachable) return;
  reachable = ok;
  connection.dispatchEvent(new CustomEvent('change', { detail: ok }));
}
const enc = encodeURIComponent;

async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, signal: AbortSignal.timeout(TIMEOUT_MS) };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    report(false);
    const why = e && e.name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : 'connection failed';
    throw new ApiError(0, `Cannot reach the worker (${why}).`);
  }
  report(true);
  const text = await response.text().catch(() => '');
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!response.ok) {
    const message = json && typeof json.message === 'string' ? json.message : `HTTP ${response.status} ${response.statusText}`.trim();
    throw new ApiError(response.status, message);
  }
  return json;
}

const get = (path) => request('GET', path);

export const api = {
  root: () => get('/'),
  plugins: (connectorsOnly = true) => get(`/connector-plugins?connectorsOnly=${connectorsOnly}`),
  pluginConfig: (plugin) => get(`/connector-plugins/${enc(plugin)}/config`),
  validate: (plugin, config) => request('PUT', `/connector-plugins/${enc(plugin)}/config/validate`, config),

  /** `{name: {status, info}}` for every connector, in one request. */
  connectors: () => get('/connectors?expand=status&expand=info'),
  connector: (name) => get(`/connectors/${enc(name)}`),
  status: (name) => get(`/connectors/${enc(name)}/status`),
  create: (name, config) => request('POST', '/connectors', { name, config }),
  putConfig: (name, config) => request('PUT', `/connectors/${enc(name)}/config`, config),
  remove: (name) => request('DELETE', `/connectors/${enc(name)}`),

  pause: (name) => request('PUT', `/connectors/${enc(name)}/pause`),
  resume: (name) => request('PUT', `/connectors/${enc(name)}/resume`),
  stop: (name) => request('PUT', `/connectors/${enc(name)}/stop`),
  restart: (name, { includeTasks = false, onlyFailed = false } = {}) =>
    request('POST', `/connectors/${enc(name)}/restart?includeTasks=${includeTasks}&onlyFailed=${onlyFailed}`),
  restartTask: (name, task) => request('POST', `/connectors/${enc(name)}/tasks/${enc(task)}/restart`),

  topics: (name) => get(`/connectors/${enc(name)}/topics`),
  resetTopics: (name) => request('PUT', `/connectors/${enc(name)}/topics/reset`),
  offsets: (name) => get(`/connectors/${enc(name)}/offsets`),
  alterOffsets: (name, offsets) => request('PATCH', `/connectors/${enc(name)}/offsets`, { offsets }),
  resetOffsets: (name) => request('DELETE', `/connectors/${enc(name)}/offsets`),
};
