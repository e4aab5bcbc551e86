// Connector and task states, and how they are shown.

import { h } from './dom.js';

export const STATES = ['RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'UNASSIGNED', 'RESTARTING'];

/** A state badge: colour and text, so it reads without colour too. */
export function badge(state, label) {
  const s = STATES.includes(state) ? state : 'UNKNOWN';
  return h('span', { class: `badge badge-${s.toLowerCase()}`, title: label ? `${label}: ${s}` : null }, label ? `${label} ${s}` : s);
}

/** Task states counted: [['RUNNING', 2], ['FAILED', 1]], in STATES order. */
export function taskCounts(status) {
  const counts = new Map();
  for (const t of (status && status.tasks) || []) counts.set(t.state, (counts.get(t.state) || 0) + 1);
  return [...counts].sort((a, b) => STATES.indexOf(a[0]) - STATES.indexOf(b[0]));
}

/** Whether the connector or one of its tasks is in `state`. */
export function hasState(status, state) {
  if (!status) return false;
  return (status.connector && status.connector.state === state) || (status.tasks || []).some((t) => t.state === state);
}

/** The badges of a connector's tasks, e.g. "2 RUNNING", "1 FAILED". */
export function taskBadges(status) {
  const counts = taskCounts(status);
  if (counts.length === 0) return h('span', { class: 'muted' }, 'no tasks');
  return h('span', { class: 'badges' }, counts.map(([state, n]) =>
    h('span', { class: `badge badge-${state.toLowerCase()}`, title: `${n} task${n === 1 ? '' : 's'} ${state}` }, `${n} ${state}`)));
}
