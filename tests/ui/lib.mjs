// Helpers of the browser tests: Debian's Chromium through playwright-core,
// waiting with deadlines, screenshots, and asking the harness to stop or
// start the worker.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export const WORKER = required('FERRY_URL');
export const WORK_DIR = required('FERRY_UI_WORK_DIR');
export const SHOTS = process.env.FERRY_UI_SCREENSHOTS || path.join(WORK_DIR, 'screenshots');

function required(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set: run the browser tests through \`cargo test --release -p ferry-tests --test ui\``);
    process.exit(2);
  }
  return v;
}

/**
 * Chromium headless, with a fresh profile, and the background services that
 * would reach out of this machine turned off.
 */
export async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-ui-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.FERRY_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 860 },
    colorScheme: 'light',
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(20000);
  const page = context.pages()[0] || (await context.newPage());
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return {
    context,
    page,
    pageErrors,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Polls `f` until it returns a truthy value; fails naming `what` at the deadline. */
export async function until(what, f, timeoutMs = 30000) {
  const end = Date.now() + timeoutMs;
  let last;
  for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
    try {
      const v = await f();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, pause));
  }
}

/** A REST call straight to the worker (for what the test checks, never for what it drives). */
export async function rest(method, p, body) {
  const r = await fetch(`${WORKER}${p}`, { method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/**
 * A screenshot in SHOTS, once passing messages have gone and no row is
 * hovered: the viewport, the whole page (`fullPage`), or the page down to
 * the end of its content (`content`).
 */
export async function screenshot(page, name, { fullPage = false, content = false } = {}) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.mouse.move(0, 0);
  await until('passing messages to go', async () => (await page.locator('.toast').count()) === 0, 10000);
  const file = path.join(SHOTS, name);
  let clip;
  if (content) {
    const box = await page.locator('main').boundingBox();
    clip = { x: 0, y: 0, width: page.viewportSize().width, height: Math.ceil(box.y + box.height) };
  }
  await page.screenshot({ path: file, fullPage: fullPage || Boolean(clip), clip });
  return file;
}

/** The page is no wider than its viewport: nothing to scroll sideways. */
export async function assertNoSidewaysScroll(page, where) {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
  if (scroll > width) throw new Error(`${where}: the page is ${scroll} px wide in a ${width} px viewport`);
}

/** Asks the harness (tests/tests/ui.rs) to stop or start the worker, and waits until it did. */
export async function worker(command) {
  if (process.env.FERRY_UI_CONTROL !== 'stdio') return false;
  const rl = readline.createInterface({ input: process.stdin });
  const done = new Promise((resolve) => rl.once('line', resolve));
  process.stderr.write(`ferry-ui-control: ${command}\n`);
  const answer = await done;
  rl.close();
  process.stdin.unref?.();
  if (answer.trim() !== 'ok') throw new Error(`the harness could not ${command} the worker: ${answer}`);
  return true;
}

export function unique(prefix) {
  return `${prefix}-${process.pid}-${Date.now() % 1000000}`;
}

/**
 * WCAG 2.1 A and AA problems axe-core finds on the page as it is now
 * (color contrast included), as readable lines; [] when there are none.
 */
export async function accessibilityProblems(page) {
  // Evaluated through the debugging protocol, which the page's CSP allows.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.join(', ')})`);
}
