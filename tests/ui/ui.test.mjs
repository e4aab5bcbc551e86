// Ferry's web UI in headless Chromium, driven as an operator uses it.
// Started by tests/tests/ui.rs, which runs a worker (FERRY_URL) with one
// FileStreamSource from a properties file, and stops or starts it on request.
// The steps build on each other and run in order.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { WORKER, WORK_DIR, accessibilityProblems, assertNoSidewaysScroll, launch, rest, screenshot, unique, until, worker } from './lib.mjs';

const SINK_CLASS = 'org.apache.kafka.connect.file.FileStreamSinkConnector';
const sinkName = unique('orders-to-file');
const failingName = unique('broken-sink');
const sinkFile = path.join(WORK_DIR, `${sinkName}.txt`);
let browser;
let page;
let seed; // the FileStreamSource the harness started: { name, topic, file }

const ui = (hash = '') => `${WORKER}/ui${hash}`;
const detailBadge = () => page.locator('.head-badges .badge').first();
const taskState = (id = 0) => page.locator(`tr[data-task="${id}"] .badge`);

async function connectorState(name) {
  const { body } = await rest('GET', `/connectors/${encodeURIComponent(name)}/status`);
  return body;
}

/** The detail page shows the connector and its first task in `state`. */
async function seeState(state) {
  await until(`the page to show connector and task ${state}`, async () =>
    (await detailBadge().textContent()) === `Connector ${state}` && (await taskState().textContent()) === state, 30000);
}

before(async () => {
  browser = await launch();
  page = browser.page;
  const { body } = await rest('GET', '/connectors?expand=info');
  const [name, entry] = Object.entries(body).find(([, e]) => e.info.type === 'source');
  seed = { name, topic: entry.info.config.topic, file: entry.info.config.file };
});

after(async () => {
  await browser?.close();
});

test('the cluster page shows the worker and its plugins', async () => {
  const root = (await rest('GET', '/')).body;
  await page.goto(ui('#/cluster'));
  await page.getByRole('heading', { name: 'Cluster', level: 1 }).waitFor();
  await page.getByText(`Ferry ${root.version}`, { exact: true }).waitFor();
  await page.locator('.facts').getByText('standalone', { exact: true }).waitFor();
  const workerId = (await connectorState(seed.name)).connector.worker_id;
  await page.locator('.facts').getByText(workerId, { exact: true }).waitFor();
  await page.locator(`tr[data-plugin="${SINK_CLASS}"]`).waitFor();
  await page.locator('tr[data-plugin="org.apache.kafka.connect.json.JsonConverter"]').waitFor();
  await screenshot(page, 'cluster-1280.png');
});

test('a FileStreamSink is created through the form, with a validation error shown and fixed', async () => {
  await page.goto(ui('#/connectors'));
  await page.getByRole('link', { name: 'New connector' }).first().click();
  await page.locator(`a[data-plugin="${SINK_CLASS}"]`).click();
  await page.getByRole('heading', { name: 'New FileStreamSink connector' }).waitFor();

  const field = (key) => page.locator(`[data-field="${key}"]`);
  // The form is generated from the plugin's definitions: help text and defaults are shown.
  assert.match(await field('tasks.max').locator('.field-help').textContent(), /Maximum number of tasks.*Default: 1/);
  assert.equal(await field('name').locator('.required').count(), 1, 'name is marked required');

  await field('name').locator('input').fill(sinkName);
  await field('topics').locator('input').fill(seed.topic);
  await field('file').locator('input').fill(sinkFile);
  await field('tasks.max').locator('input').fill('0');
  const error = field('tasks.max').locator('.field-error');
  await until('the tasks.max error from /config/validate', async () => (await error.isVisible()) && /at least 1/.test(await error.textContent()));
  assert.equal(await field('tasks.max').locator('input').getAttribute('aria-invalid'), 'true');
  await page.locator('#validation-summary').getByText('tasks.max').waitFor();
  await screenshot(page, 'form-validation-1280.png', { fullPage: true });

  await field('tasks.max').locator('input').fill('1');
  await until('the tasks.max error to go', async () => !(await error.isVisible()));
  await page.locator('#validation-summary').getByText('No problems found').waitFor();

  await page.getByRole('button', { name: 'Create connector' }).click();
  await until('the connector page', async () => page.url().endsWith(`#/connectors/${sinkName}`));
  await seeState('RUNNING');
  assert.equal(await page.locator('tr[data-task="0"] td[data-label="Worker"]').textContent(), (await connectorState(sinkName)).tasks[0].worker_id);

  // What the operator really wants: the seed's lines arrive in the file.
  const expected = fs.readFileSync(seed.file, 'utf8').trim().split('\n');
  await until('the source lines in the sink file', () => fs.existsSync(sinkFile) && fs.readFileSync(sinkFile, 'utf8').trim().split('\n').length >= expected.length);
  assert.deepEqual(fs.readFileSync(sinkFile, 'utf8').trim().split('\n'), expected);
});

test('pause and resume', async () => {
  await page.getByRole('button', { name: 'Pause' }).click();
  await seeState('PAUSED');
  assert.equal((await connectorState(sinkName)).connector.state, 'PAUSED');
  assert.ok(await page.getByRole('button', { name: 'Pause' }).isDisabled(), 'Pause is disabled while paused');
  await page.getByRole('button', { name: 'Resume' }).click();
  await seeState('RUNNING');
  assert.equal((await connectorState(sinkName)).connector.state, 'RUNNING');
});

test('a rejected create shows the worker\'s message', async () => {
  await page.goto(ui(`#/new/${encodeURIComponent(SINK_CLASS)}`));
  await page.locator('[data-field="name"] input').fill(sinkName);
  await page.locator('[data-field="topics"] input').fill(seed.topic);
  await page.getByRole('button', { name: 'Create connector' }).click();
  await page.locator('.submit-result .notice-error').getByText(`Connector ${sinkName} already exists`).waitFor();
  assert.ok(page.url().includes('#/new/'), 'the form stays open');
});

test('a connector created from raw JSON shows its failed task\'s trace, and its secrets masked', async () => {
  await page.goto(ui(`#/new/${encodeURIComponent(SINK_CLASS)}`));
  await page.getByRole('tab', { name: 'JSON' }).click();
  const config = { 'connector.class': SINK_CLASS, topics: seed.topic, file: '/nonexistent-ferry-dir/out.txt', 'ssl.key.password': 'hunter2-not-shown' };
  await page.locator('#raw-json').fill(JSON.stringify({ name: failingName, config }, null, 2));
  await page.locator('#validation-summary').getByText('No problems found').waitFor();
  await page.getByRole('button', { name: 'Create connector' }).click();
  await until('the connector page', async () => page.url().endsWith(`#/connectors/${failingName}`));
  await until('the task to be FAILED', async () => (await taskState().textContent()) === 'FAILED');
  const trace = page.locator('details[data-trace="task-0"]');
  await trace.locator('pre').getByText("Couldn't find or create file '/nonexistent-ferry-dir/out.txt'").waitFor();
  assert.equal(await trace.locator('pre').textContent(), (await connectorState(failingName)).tasks[0].trace, 'the full trace, as the REST API has it');
  const text = await page.locator('main').textContent();
  assert.ok(!text.includes('hunter2'), 'the password is not on the page');
  await page.locator('#section-config .masked').waitFor();
  await screenshot(page, 'detail-failed-1280.png');

  // Restart with onlyFailed: the worker restarts the task, which fails again with the same trace.
  await page.getByRole('button', { name: 'Restart…' }).click();
  await page.getByLabel('Only failed instances').check();
  await page.getByRole('dialog').getByRole('button', { name: 'Restart' }).click();
  await page.locator('.toast').getByText(`Restart of ${failingName} requested.`).waitFor();
  await until('the task to fail again', async () => (await taskState().textContent()) === 'FAILED');
  await page.getByRole('button', { name: 'Restart task 0' }).click();
  await page.locator('.toast').getByText('Restart of task 0 requested.').waitFor();
});

test('the connectors list shows states and filters by name, state and type', async () => {
  await page.goto(ui('#/connectors'));
  const rows = page.locator('tbody tr[data-connector]');
  await until('three connectors listed', async () => (await rows.count()) === 3);
  const row = (name) => page.locator(`tr[data-connector="${name}"]`);
  await until('the failed task badge', async () => (await row(failingName).locator('td[data-label="Tasks"]').textContent()) === '1 FAILED');
  assert.equal(await row(sinkName).locator('td[data-label="Connector"]').textContent(), 'RUNNING');
  assert.equal(await row(seed.name).locator('td[data-label="Type"]').textContent(), 'source');
  await screenshot(page, 'connectors-1280.png', { content: true });

  await page.getByLabel('Filter by state').selectOption('FAILED');
  await until('only the failing connector', async () => (await rows.count()) === 1 && (await row(failingName).count()) === 1);
  assert.ok(page.url().endsWith('?state=FAILED'), 'the filter is in the address');
  await page.getByLabel('Filter by state').selectOption('');
  await page.getByLabel('Filter by type').selectOption('source');
  await until('only the source', async () => (await rows.count()) === 1 && (await row(seed.name).count()) === 1);
  await page.getByLabel('Filter by type').selectOption('');
  await page.getByLabel('Filter by name').fill('orders-to');
  await until('only the sink named so', async () => (await rows.count()) === 1 && (await row(sinkName).count()) === 1);
  await page.getByLabel('Filter by name').fill('no-such-connector');
  await page.getByText('No connector matches these filters.').waitFor();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await until('all three again', async () => (await rows.count()) === 3);

  // The list refreshes by itself: a connector paused elsewhere shows up paused.
  await rest('PUT', `/connectors/${encodeURIComponent(sinkName)}/pause`);
  await until('the list to show PAUSED', async () => (await row(sinkName).locator('td[data-label="Connector"]').textContent()) === 'PAUSED', 15000);
  await rest('PUT', `/connectors/${encodeURIComponent(sinkName)}/resume`);
  await until('the list to show RUNNING', async () => (await row(sinkName).locator('td[data-label="Connector"]').textContent()) === 'RUNNING', 15000);
});

test('offsets are shown, and reset only while stopped', async () => {
  await page.goto(ui(`#/connectors/${encodeURIComponent(sinkName)}`));
  await seeState('RUNNING');
  const offsets = page.locator('#section-offsets');
  await until('the sink\'s committed offset', async () => /kafka_offset/.test(await offsets.textContent()), 30000);
  assert.equal(await offsets.getByRole('button', { name: 'Reset offsets…' }).count(), 0, 'no reset while running');
  await offsets.getByText('Stop the connector to alter or reset its offsets.').waitFor();

  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await until('STOPPED', async () => (await detailBadge().textContent()) === 'Connector STOPPED');
  await page.locator('#section-tasks').getByText('A stopped connector has no tasks.').waitFor();

  // Alter: the editor opens on the offsets as they are; bad JSON is refused in the page.
  await offsets.getByRole('button', { name: 'Alter offsets…' }).click();
  const area = page.locator('#offsets-json');
  const current = JSON.parse(await area.inputValue());
  assert.equal(current.offsets.length, 1, 'one topic partition');
  await area.fill('{"offsets": [');
  await offsets.getByRole('button', { name: 'Write offsets' }).click();
  await offsets.locator('.notice-error').getByText('Not valid JSON').waitFor();
  current.offsets[0].offset = { kafka_offset: 1 };
  await area.fill(JSON.stringify(current));
  await offsets.getByRole('button', { name: 'Write offsets' }).click();
  await page.locator('.toast').getByText('The offsets for this connector have been altered successfully').waitFor();
  await until('the altered offset', async () => JSON.stringify((await rest('GET', `/connectors/${encodeURIComponent(sinkName)}/offsets`)).body.offsets[0].offset) === '{"kafka_offset":1}');
  await offsets.getByText('{"kafka_offset":1}').waitFor();

  await offsets.getByRole('button', { name: 'Reset offsets…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Reset offsets' }).click();
  await page.locator('.toast').getByText('The offsets for this connector have been reset successfully').waitFor();
  await until('no offsets', async () => (await rest('GET', `/connectors/${encodeURIComponent(sinkName)}/offsets`)).body.offsets.length === 0);
  await offsets.getByText('No offsets committed yet.').waitFor();

  await page.getByRole('button', { name: 'Resume' }).click();
  await seeState('RUNNING');
});

test('editing keeps the name and saves the new config', async () => {
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByRole('heading', { name: `Edit ${sinkName}` }).waitFor();
  const name = page.locator('[data-field="name"] input');
  assert.equal(await name.inputValue(), sinkName);
  assert.ok(await name.getAttribute('readonly') !== null, 'the name cannot change');
  const newFile = path.join(WORK_DIR, `${sinkName}-2.txt`);
  await page.locator('[data-field="file"] input').fill(newFile);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await until('the connector page', async () => page.url().endsWith(`#/connectors/${sinkName}`));
  await page.locator('#section-config').getByText(newFile, { exact: true }).waitFor();
  assert.equal((await rest('GET', `/connectors/${encodeURIComponent(sinkName)}/config`)).body.file, newFile);
  await seeState('RUNNING');
});

test('keyboard: "/" finds, Enter opens, Escape cancels a delete', async () => {
  await page.goto(ui('#/connectors'));
  await page.locator(`tr[data-connector="${failingName}"]`).waitFor();
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'filter-name');
  await page.keyboard.type(failingName);
  await until('one row', async () => (await page.locator('tbody tr[data-connector]').count()) === 1);
  await page.keyboard.press('Tab'); // state
  await page.keyboard.press('Tab'); // type
  await page.keyboard.press('Tab'); // the connector's link
  assert.equal(await page.evaluate(() => document.activeElement.textContent), failingName);
  await page.keyboard.press('Enter');
  await until('the connector page', async () => page.url().endsWith(`#/connectors/${failingName}`));
  await until('a new page to start at its heading', async () => page.evaluate((name) => document.activeElement.tagName === 'H1' && document.activeElement.textContent === name, failingName));
  await until('the task state (the actions wait for it)', async () => (await taskState().textContent()) === 'FAILED');
  await page.getByRole('button', { name: 'Delete…' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('dialog').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Cancel', 'the dialog opens on Cancel');
  await page.keyboard.press('Escape');
  await until('the dialog to close', async () => (await page.getByRole('dialog').count()) === 0);
  assert.equal((await rest('GET', `/connectors/${encodeURIComponent(failingName)}`)).status, 200, 'still there');
});

test('phone width: readable, nothing to scroll sideways', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await page.goto(ui('#/connectors'));
    await until('three rows', async () => (await page.locator('tbody tr[data-connector]').count()) === 3);
    await assertNoSidewaysScroll(page, 'connectors');
    // Tables become cards: the header row is hidden, each cell says what it is.
    assert.ok(!(await page.locator('thead').first().isVisible()), 'no table header on a phone');
    await screenshot(page, 'connectors-phone.png');
    await page.goto(ui(`#/connectors/${encodeURIComponent(failingName)}`));
    await page.locator('details[data-trace="task-0"] pre').waitFor();
    await assertNoSidewaysScroll(page, 'connector page');
    await screenshot(page, 'detail-phone.png', { fullPage: true });
    await page.goto(ui(`#/new/${encodeURIComponent(SINK_CLASS)}`));
    await page.locator('[data-field="name"] input').fill('x');
    await page.locator('[data-field="tasks.max"] input').fill('0');
    await page.locator('[data-field="tasks.max"] .field-error').waitFor();
    await assertNoSidewaysScroll(page, 'form');
    await screenshot(page, 'form-phone.png');
    await page.goto(ui('#/cluster'));
    await page.locator(`tr[data-plugin="${SINK_CLASS}"]`).waitFor();
    await assertNoSidewaysScroll(page, 'cluster');
  } finally {
    await page.setViewportSize({ width: 1280, height: 860 });
  }
});

test('accessibility: nothing axe-core finds against WCAG 2.1 AA, in light and dark', async () => {
  const pages = [
    ['connectors', '#/connectors', 'tbody tr[data-connector]'],
    ['a failed connector', `#/connectors/${encodeURIComponent(failingName)}`, 'details[data-trace="task-0"] pre'],
    ['the plugin choice', '#/new', 'a.plugin-card'],
    ['cluster', '#/cluster', `tr[data-plugin="${SINK_CLASS}"]`],
  ];
  const problems = [];
  try {
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [what, hash, ready] of pages) {
        await page.goto(ui(hash));
        await page.locator(ready).first().waitFor();
        for (const p of await accessibilityProblems(page)) problems.push(`${scheme}, ${what}: ${p}`);
      }
      await page.goto(ui(`#/new/${encodeURIComponent(SINK_CLASS)}`));
      await page.locator('[data-field="tasks.max"] input').fill('0');
      await page.locator('[data-field="tasks.max"] .field-error').waitFor();
      for (const p of await accessibilityProblems(page)) problems.push(`${scheme}, the form with an error: ${p}`);
      await page.goto(ui(`#/connectors/${encodeURIComponent(failingName)}`));
      await page.getByRole('button', { name: 'Delete…' }).click();
      await page.getByRole('dialog').waitFor();
      for (const p of await accessibilityProblems(page)) problems.push(`${scheme}, the delete dialog: ${p}`);
      await page.keyboard.press('Escape');
    }
  } finally {
    await page.emulateMedia({ colorScheme: 'light' });
  }
  assert.deepEqual(problems, []);
});

test('delete asks first, then the connector is gone', async () => {
  await page.goto(ui(`#/connectors/${encodeURIComponent(failingName)}`));
  await page.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  assert.equal((await rest('GET', `/connectors/${encodeURIComponent(failingName)}`)).status, 200, 'cancel keeps it');
  await page.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete connector' }).click();
  await until('the list', async () => page.url().endsWith('#/connectors'));
  await page.locator(`tr[data-connector="${sinkName}"]`).waitFor();
  assert.equal(await page.locator(`tr[data-connector="${failingName}"]`).count(), 0);
  assert.equal((await rest('GET', `/connectors/${encodeURIComponent(failingName)}`)).status, 404);
});

test('a connector deleted elsewhere and a worker gone away are shown as errors, never a blank page', async () => {
  await page.goto(ui(`#/connectors/${encodeURIComponent(sinkName)}`));
  await seeState('RUNNING');
  await rest('DELETE', `/connectors/${encodeURIComponent(sinkName)}`);
  await page.locator('.problems').getByText(`Connector ${sinkName} does not exist on this worker`).waitFor();
  assert.equal(await page.locator('h1').textContent(), sinkName, 'the page stays');

  await page.goto(ui('#/connectors'));
  await page.locator(`tr[data-connector="${seed.name}"]`).waitFor();
  assert.ok(await worker('stop'), 'the harness controls the worker (FERRY_UI_CONTROL=stdio)');
  try {
    await page.locator('.problems').getByText('Could not refresh the list: Cannot reach the worker').waitFor({ timeout: 30000 });
    assert.equal(await page.locator(`tr[data-connector="${seed.name}"]`).count(), 1, 'the last list stays on screen');
    await page.getByText('Showing the last list received; retrying.').waitFor();
    await screenshot(page, 'outage-1280.png');
  } finally {
    await worker('start');
  }
  await until('the error to clear', async () => (await page.locator('.problems .notice').count()) === 0, 30000);
  await page.locator(`tr[data-connector="${seed.name}"]`).waitFor();
  assert.deepEqual(browser.pageErrors, [], 'no uncaught error in the page');
});
