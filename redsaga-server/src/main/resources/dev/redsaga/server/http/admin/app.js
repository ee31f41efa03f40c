// redsaga's operator UI: transactions listed and searched, one transaction's branches on a timeline, the two
// operator actions (retry now, force stop), and the topics messages are sent to, with their subscribers. Plain DOM, no library: every value from the server is set as text,
// never parsed as HTML. The admin token is kept for this browser tab only (sessionStorage).
'use strict';

const API = '/api/dtmsvr/';
const TOKEN_KEY = 'redsaga.adminToken';
const STATUSES = ['prepared', 'submitted', 'aborting', 'succeed', 'failed'];
const TYPES = ['saga', 'tcc', 'msg', 'xa'];
const PAGE = 25;
const main = document.getElementById('main');
let refreshTimer = null;

/** An element with attributes and children (strings become text nodes). */
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function show(...nodes) {
  main.replaceChildren(...nodes);
}

function status(s) {
  return el('span', { class: 'status ' + s, 'data-status': s }, s);
}

function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString();
}

/** To the millisecond, for the timeline: a saga's steps are often within one second. */
function precisely(iso) {
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleDateString() + ' ' + d.toTimeString().slice(0, 8) + '.'
    + String(d.getMilliseconds()).padStart(3, '0');
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(route, body) {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers['Authorization'] = 'Bearer ' + token;
  const init = { headers };
  if (body !== undefined) {
    init.method = 'POST';
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(API + route, init);
  let json = null;
  try { json = await r.json(); } catch (e) { /* not JSON: the status says enough */ }
  if (!r.ok) throw new ApiError(r.status, (json && json.message) || ('HTTP ' + r.status));
  return json;
}

/** The token form, when the server asked for one (401) or refused the one given (403). */
function askToken(reason) {
  const input = el('input', { type: 'password', id: 'token', autocomplete: 'off', required: true });
  show(el('form', { class: 'token', id: 'token-form', onsubmit: e => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    route();
  } },
  el('strong', {}, 'This coordinator needs an admin token'),
  reason ? el('p', { class: 'error' }, reason) : null,
  el('label', {}, 'Token (--admin-token of the server)', input),
  el('button', { class: 'primary', type: 'submit' }, 'Sign in')));
  input.focus();
}

function failed(e) {
  if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
    askToken(e.status === 403 ? 'That token may not do this (an admin token is needed).' : null);
  } else {
    show(el('p', { class: 'error', id: 'error' }, e.message));
  }
}

// --- the list ---

async function listPage(params) {
  const form = el('form', { class: 'filters', id: 'filters', onsubmit: e => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const name of ['status', 'transType', 'gidPrefix']) {
      const v = form.elements[name].value.trim();
      if (v) q.set(name, v);
    }
    for (const name of ['createTimeStart', 'createTimeEnd']) {
      const v = form.elements[name].value;
      if (v) q.set(name, String(new Date(v).getTime()));
    }
    location.hash = '#/?' + q;
  } },
  el('label', {}, 'Status', el('select', { name: 'status' }, el('option', { value: '' }, 'any'),
    STATUSES.map(s => el('option', { value: s, selected: params.get('status') === s }, s)))),
  el('label', {}, 'Type', el('select', { name: 'transType' }, el('option', { value: '' }, 'any'),
    TYPES.map(t => el('option', { value: t, selected: params.get('transType') === t }, t)))),
  el('label', {}, 'Created from', el('input', { type: 'datetime-local', name: 'createTimeStart',
    value: localInput(params.get('createTimeStart')) })),
  el('label', {}, 'Created until', el('input', { type: 'datetime-local', name: 'createTimeEnd',
    value: localInput(params.get('createTimeEnd')) })),
  el('label', {}, 'Gid starts with', el('input', { name: 'gidPrefix', value: params.get('gidPrefix') })),
  el('button', { class: 'primary', type: 'submit', id: 'search' }, 'Search'));

  const q = new URLSearchParams(params);
  q.set('limit', String(PAGE));
  let reply;
  try {
    reply = await api('all?' + q);
  } catch (e) {
    failed(e);
    return;
  }
  const rows = (reply.transactions || []).map(t => el('tr', { 'data-gid': t.gid },
    el('td', { class: 'mono' }, el('a', { href: '#/tx/' + encodeURIComponent(t.gid) }, t.gid)),
    el('td', {}, t.trans_type),
    el('td', {}, status(t.status)),
    el('td', {}, when(t.create_time)),
    el('td', {}, when(t.update_time)),
    el('td', {}, t.rollback_reason || '')));
  const pager = el('div', { class: 'pager' },
    params.get('position') ? el('a', { href: '#/?' + without(params, 'position'), id: 'first' }, 'First page') : null,
    reply.next_position ? el('a', { id: 'next', href: '#/?' + withParam(params, 'position', reply.next_position) },
      'Next page') : null,
    el('span', { class: 'muted' }, rows.length ? rows.length + ' shown, newest first' : 'nothing found'));
  show(el('h1', {}, 'Transactions'), form,
    el('table', { id: 'transactions' },
      el('thead', {}, el('tr', {}, ['gid', 'type', 'status', 'created', 'updated', 'reason'].map(h => el('th', {}, h)))),
      el('tbody', {}, rows)),
    pager);
}

function localInput(ms) {
  if (!ms) return null;
  const d = new Date(Number(ms));
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function withParam(params, k, v) {
  const q = new URLSearchParams(params);
  q.set(k, v);
  return q;
}

function without(params, k) {
  const q = new URLSearchParams(params);
  q.delete(k);
  return q;
}

// --- one transaction ---

async function txPage(gid) {
  let reply;
  try {
    reply = await api('query?gid=' + encodeURIComponent(gid));
  } catch (e) {
    failed(e);
    return;
  }
  const t = reply.transaction;
  if (!t) {
    show(el('h1', {}, gid), el('p', { class: 'error', id: 'error' }, 'No transaction with this gid.'),
      el('a', { href: '#/' }, 'All transactions'));
    return;
  }
  const branches = reply.branches || [];
  const unfinished = t.status !== 'succeed' && t.status !== 'failed';
  const message = el('span', { class: 'muted', id: 'action-result' });
  const retry = el('button', { class: 'primary', id: 'retry', disabled: !unfinished, onclick: async () => {
    retry.disabled = true;
    try {
      await api('resetNextCronTime', { gid });
      message.textContent = 'Retrying now…';
      setTimeout(route, 800);
    } catch (e) {
      message.textContent = e.message;
      retry.disabled = false;
    }
  } }, 'Retry now');
  const stop = el('button', { class: 'danger', id: 'force-stop', disabled: !unfinished, onclick: async () => {
    if (!stop.classList.contains('armed')) {
      // two clicks: the first says what it does
      stop.classList.add('armed');
      stop.textContent = 'Really stop it? No branch is called any more';
      return;
    }
    stop.disabled = true;
    try {
      await api('forceStop', { gid });
      route();
    } catch (e) {
      message.textContent = e.message;
    }
  } }, 'Force stop');

  show(
    el('p', {}, el('a', { href: '#/' }, '← All transactions')),
    el('h1', { id: 'gid' }, t.gid, ' ', status(t.status)),
    el('dl', { class: 'facts' },
      fact('type', t.trans_type), fact('created', when(t.create_time)), fact('updated', when(t.update_time)),
      fact('finished', when(t.finish_time)), fact('next look', when(t.next_cron_time)),
      fact('held by', t.owner), fact('reason', t.rollback_reason), fact('query_prepared', t.query_prepared),
      fact('custom_data', t.custom_data)),
    el('div', { class: 'actions' }, retry, stop, message),
    el('h2', {}, 'Branches'),
    el('table', { id: 'branches' },
      el('thead', {}, el('tr', {}, ['branch', 'op', 'status', 'attempts', 'last answer', 'next try', 'last error', 'url']
        .map(h => el('th', {}, h)))),
      el('tbody', {}, branches.map(b => el('tr', { 'data-branch': b.branch_id + '-' + b.op },
        el('td', { class: 'mono' }, b.branch_id), el('td', {}, b.op), el('td', {}, status(b.status)),
        el('td', {}, b.attempts || 0), el('td', {}, when(b.update_time)), el('td', {}, when(b.next_try_time)),
        el('td', { class: 'last-error' }, b.last_error || ''), el('td', { class: 'mono' }, b.url || ''))))),
    el('h2', {}, 'Timeline'),
    el('ol', { class: 'timeline', id: 'timeline' }, timeline(t, branches)),
    payloads(t));

  if (unfinished) {
    refreshTimer = setTimeout(route, 2000); // follow it while it runs
  }
}

function fact(name, value) {
  return value ? [el('dt', {}, name), el('dd', {}, value)] : [];
}

/** What happened when: created, each branch's last answer, finished. */
function timeline(t, branches) {
  const events = [{ at: t.create_time, text: 'created (' + t.trans_type + ')', kind: '' }];
  for (const b of branches) {
    if (b.update_time) {
      const kind = b.status === 'succeed' ? 'ok' : b.status === 'failed' ? 'bad' : 'busy';
      events.push({ at: b.update_time, kind, text: 'branch ' + b.branch_id + ' ' + b.op + ': ' + b.status
        + ' after ' + (b.attempts || 0) + ' attempt(s)' + (b.last_error ? ' — ' + b.last_error : '') });
    }
  }
  if (t.finish_time || t.rollback_time) {
    events.push({ at: t.finish_time || t.rollback_time, text: t.status, kind: t.status === 'succeed' ? 'ok' : 'bad' });
  }
  events.sort((a, b) => new Date(a.at) - new Date(b.at));
  return events.map(e => el('li', { class: e.kind }, el('time', { datetime: e.at }, precisely(e.at)), e.text));
}

function payloads(t) {
  if (!t.steps || !t.steps.length) return null;
  return el('details', {}, el('summary', {}, 'Definition (steps and payloads)'),
    el('pre', {}, JSON.stringify({ steps: t.steps, payloads: t.payloads }, null, 2)));
}

// --- topics ---

/** Subscribers as the pair's value holds them; an unreadable value shows as such. */
function subscribers(v) {
  try {
    const list = JSON.parse(v);
    return Array.isArray(list) ? list : [];
  } catch (e) {
    return null;
  }
}

async function topicsPage(params) {
  const q = new URLSearchParams({ cat: 'topics', limit: String(PAGE) });
  if (params.get('position')) q.set('position', params.get('position'));
  let reply;
  try {
    reply = await api('scanKV?' + q);
  } catch (e) {
    failed(e);
    return;
  }
  const rows = (reply.kv || []).map(kv => {
    const subs = subscribers(kv.v);
    return el('tr', { 'data-topic': kv.k },
      el('td', { class: 'mono' }, kv.k),
      el('td', {}, subs === null ? el('span', { class: 'error' }, 'unreadable')
        : subs.length === 0 ? el('span', { class: 'muted' }, 'none')
          : el('ul', { class: 'subscribers' }, subs.map(s => el('li', {},
            el('span', { class: 'mono' }, s.url), s.remark ? el('span', { class: 'muted' }, ' — ' + s.remark) : null)))),
      el('td', {}, String(kv.version)),
      el('td', {}, when(kv.update_time)));
  });
  const pager = el('div', { class: 'pager' },
    params.get('position') ? el('a', { href: '#/topics', id: 'first' }, 'First page') : null,
    reply.next_position ? el('a', { id: 'next', href: '#/topics?' + withParam(new URLSearchParams(), 'position',
      reply.next_position) }, 'Next page') : null,
    el('span', { class: 'muted' }, rows.length ? rows.length + ' shown, by name' : 'no topic'));
  show(el('h1', {}, 'Topics'),
    el('p', { class: 'muted' }, 'A message step topic://name goes to every subscriber of the topic.'),
    el('table', { id: 'topics' },
      el('thead', {}, el('tr', {}, ['topic', 'subscribers', 'version', 'changed'].map(h => el('th', {}, h)))),
      el('tbody', {}, rows)),
    pager);
}

// --- routing ---

function route() {
  clearTimeout(refreshTimer);
  document.getElementById('forget').hidden = !sessionStorage.getItem(TOKEN_KEY);
  const hash = location.hash || '#/';
  if (hash.startsWith('#/topics')) {
    document.getElementById('where').textContent = 'topics';
    const i = hash.indexOf('?');
    topicsPage(new URLSearchParams(i < 0 ? '' : hash.slice(i + 1)));
  } else if (hash.startsWith('#/tx/')) {
    const gid = decodeURIComponent(hash.slice(5));
    document.getElementById('where').textContent = 'transaction';
    txPage(gid);
  } else {
    document.getElementById('where').textContent = 'transactions';
    const i = hash.indexOf('?');
    listPage(new URLSearchParams(i < 0 ? '' : hash.slice(i + 1)));
  }
}

document.getElementById('forget').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  route();
});
window.addEventListener('hashchange', route);
route();
