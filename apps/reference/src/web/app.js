// The reading room's page. Vanilla JS, no build. All untrusted text (page titles, extracted text,
// snippets) is inserted with textContent, never innerHTML. The live progress feed is the gateway's
// server-sent-event route read with fetch (EventSource cannot send the API key header).
'use strict';

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
};
const SVG = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs = {}, text) => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};

let apiKey = sessionStorage.getItem('cellular-api-key') ?? '';
const docs = new Map();
let feedAbort;

async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { 'x-api-key': apiKey, ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) } });
  const text = await res.text();
  const body = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw Object.assign(new Error(body?.error?.message ?? `HTTP ${res.status}`), { status: res.status, code: body?.error?.code });
  return body;
}

function show(view) {
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${view}`;
  for (const b of document.querySelectorAll('nav button[data-view]')) b.classList.toggle('active', b.dataset.view === view);
  if (view === 'admin') void loadAdmin();
}

function statusBadge(status) {
  return el('span', { class: `status status-${status}`, 'data-status': status }, status);
}

function renderDocuments() {
  const list = $('#documents');
  list.replaceChildren(
    ...[...docs.values()]
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((d) =>
        el(
          'li',
          { 'data-id': d.id, onclick: () => openDocument(d.id) },
          el('div', { class: 'title' }, d.title || d.url, ' ', statusBadge(d.status)),
          el('div', { class: 'meta' }, d.url, d.error ? ` · ${d.error}` : '', d.tags?.length ? ` · ${d.tags.join(', ')}` : ''),
          d.summary ? el('div', { class: 'summary' }, d.summary) : '',
        ),
      ),
  );
}

async function loadDocuments() {
  const { items } = await api('/api/documents?limit=100');
  docs.clear();
  for (const d of items) docs.set(d.id, d);
  renderDocuments();
}

async function openDocument(id) {
  const d = await api(`/api/documents/${encodeURIComponent(id)}`);
  const tagsInput = el('input', { value: d.tags.join(', '), id: 'doc-tags' });
  const save = el('button', {
    onclick: async () => {
      const tags = tagsInput.value.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
      await api(`/api/documents/${encodeURIComponent(id)}/tags`, { method: 'PUT', body: JSON.stringify({ tags }) });
      const doc = docs.get(id);
      if (doc) doc.tags = tags;
    },
  }, 'Save tags');
  $('#document').replaceChildren(
    el('h2', {}, d.title),
    el('p', { class: 'meta' }, el('a', { href: d.url, rel: 'noopener noreferrer', target: '_blank' }, d.url), ' ', statusBadge(d.status)),
    el('h3', {}, 'Summary'),
    el('p', { class: 'summary' }, d.summary || '(none yet)', d.summaryMethod ? el('span', { class: 'hint' }, ` (${d.summaryMethod})`) : ''),
    el('p', {}, tagsInput, ' ', save),
    el('h3', {}, 'Text'),
    el('div', { class: 'text' }, d.text ?? ''),
  );
  show('document');
}

/** Render a snippet whose matches are marked [like this] without using innerHTML. */
function snippet(s) {
  const out = el('div', { class: 'meta' });
  for (const part of s.split(/(\[[^\]]*\])/u)) out.append(part.startsWith('[') && part.endsWith(']') ? el('mark', {}, part.slice(1, -1)) : document.createTextNode(part));
  return out;
}

async function search(q) {
  const { hits } = await api(`/api/search?q=${encodeURIComponent(q)}`);
  $('#hits').replaceChildren(
    ...(hits.length === 0
      ? [el('li', { class: 'meta' }, 'No results')]
      : hits.map((h) => el('li', { 'data-id': h.id, onclick: () => openDocument(h.id) }, el('div', { class: 'title' }, h.title), snippet(h.snippet)))),
  );
}

async function followFeed() {
  feedAbort?.abort();
  feedAbort = new AbortController();
  for (;;) {
    try {
      const res = await fetch('/api/events', { headers: { 'x-api-key': apiKey, accept: 'text/event-stream' }, signal: feedAbort.signal });
      if (!res.ok || !res.body) throw new Error(`feed ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = frame.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
          if (!data) continue;
          const ev = JSON.parse(data);
          const payload = ev.payload ?? ev;
          const d = docs.get(payload.id);
          if (d) {
            Object.assign(d, { status: payload.status, title: payload.title || d.title, ...(payload.error ? { error: payload.error } : {}) });
            if (payload.status === 'summarised') void api(`/api/documents/${payload.id}`).then((full) => { docs.set(full.id, { ...full, text: undefined }); renderDocuments(); });
          } else void loadDocuments();
          renderDocuments();
        }
      }
    } catch (e) {
      if (feedAbort.signal.aborted) return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function drawTopology(t) {
  const cells = t.cells;
  const contracts = t.contracts;
  const W = Math.max(760, contracts.length * 86);
  const H = 330;
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img', 'aria-label': 'topology' });
  const cx = (i, n) => ((i + 0.5) * W) / n;
  const cellPos = new Map(cells.map((c, i) => [c.name, { x: cx(i, cells.length), y: 40 }]));
  const conPos = new Map(contracts.map((c, i) => [c.id, { x: cx(i, contracts.length), y: 250 + (i % 2) * 36 }]));
  const colors = { publishes: '#2b6cb0', subscribes: '#805ad5', handles: '#2f855a', requests: '#b7791f', consumes: '#c53030' };
  for (const e of t.edges) {
    const a = cellPos.get(e.cell);
    const b = conPos.get(e.target);
    if (a && b) s.append(svg('line', { x1: a.x, y1: a.y + 16, x2: b.x, y2: b.y - 10, stroke: colors[e.relation] ?? '#999', 'stroke-opacity': 0.6, 'data-relation': e.relation }));
  }
  for (const c of cells) {
    const p = cellPos.get(c.name);
    s.append(svg('rect', { x: p.x - 52, y: p.y - 16, width: 104, height: 32, rx: c.kind === 'periphery' ? 14 : 4, fill: c.kind === 'periphery' ? '#fff5f5' : '#ebf4ff', stroke: '#667' }));
    s.append(svg('text', { x: p.x, y: p.y - 1, 'text-anchor': 'middle', 'data-cell': c.name }, c.name));
    s.append(svg('text', { x: p.x, y: p.y + 12, 'text-anchor': 'middle', fill: '#667' }, `${c.kind} · ${c.transport}`));
  }
  for (const c of contracts) {
    const p = conPos.get(c.id);
    s.append(svg('text', { x: p.x, y: p.y, 'text-anchor': 'middle', fill: '#333' }, c.name));
    s.append(svg('text', { x: p.x, y: p.y + 12, 'text-anchor': 'middle', fill: '#999' }, c.kind));
  }
  const legend = el('p', { class: 'hint' }, Object.keys(colors).join(' · '), ` — routes: ${t.routes.map((r) => `${r.method} ${r.path}`).join(', ')}`);
  $('#topology').replaceChildren(s, legend);
}

function drawCharts(series) {
  const names = [...new Set(series.flatMap((p) => Object.keys(p.values)))];
  $('#charts').replaceChildren(
    ...names.map((name) => {
      const pts = series.filter((p) => name in p.values);
      const vals = pts.map((p) => p.values[name]);
      const max = Math.max(1e-9, ...vals);
      const W = 280;
      const H = 70;
      const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, 'data-signal': name });
      const path = vals.map((v, i) => `${i === 0 ? 'M' : 'L'}${((i / Math.max(1, vals.length - 1)) * (W - 4) + 2).toFixed(1)},${(H - 4 - (v / max) * (H - 12)).toFixed(1)}`).join(' ');
      s.append(svg('path', { d: path || 'M0,0', fill: 'none', stroke: '#2b6cb0', 'stroke-width': 1.5 }));
      s.append(svg('text', { x: W - 4, y: 10, 'text-anchor': 'end', fill: '#667' }, `max ${max.toFixed(2)} · now ${(vals.at(-1) ?? 0).toFixed(2)}`));
      return el('div', { class: 'chart' }, el('h3', {}, name), s);
    }),
  );
}

async function loadAdmin() {
  const [topo, trig, status] = await Promise.all([api('/api/admin/topology'), api('/api/admin/triggers'), api('/api/admin/status')]);
  drawTopology(topo.topology);
  drawCharts(trig.series);
  const values = new Map(trig.signals.map((s) => [`${s.name}|${s.scope ?? ''}`, s]));
  $('#rules').replaceChildren(
    el('tr', {}, el('th', {}, 'rule'), el('th', {}, 'scope'), el('th', {}, 'state'), el('th', {}, 'value')),
    ...trig.instances.map((i) => el('tr', { 'data-rule': i.rule }, el('td', {}, i.rule), el('td', {}, i.scope || '—'), el('td', { class: i.state }, i.state), el('td', {}, i.value ?? '—'))),
  );
  void values;
  $('#history').replaceChildren(
    ...trig.history.slice().reverse().map((h) =>
      el('li', {}, h.type === 'transition' ? `${new Date(h.transition.at).toLocaleTimeString()} ${h.transition.rule} ${h.transition.scope} → ${h.transition.to} (${h.transition.value ?? 'n/a'})` : `${new Date(h.at).toLocaleTimeString()} ${h.playbook}: ${h.report}`),
    ),
  );
  $('#status').textContent = JSON.stringify(status, null, 2);
}

async function enter() {
  try {
    await loadDocuments();
  } catch (e) {
    $('#login-error').textContent = e.status === 401 ? 'That key was not accepted.' : e.message;
    sessionStorage.removeItem('cellular-api-key');
    return;
  }
  $('#login').hidden = true;
  $('#app').hidden = false;
  $('#logout').hidden = false;
  try {
    await api('/api/admin/status');
    $('#admin-tab').hidden = false;
  } catch {
    $('#admin-tab').hidden = true;
  }
  void followFeed();
}

$('#login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  apiKey = $('#api-key').value.trim();
  sessionStorage.setItem('cellular-api-key', apiKey);
  void enter();
});
$('#logout').addEventListener('click', () => {
  sessionStorage.removeItem('cellular-api-key');
  location.reload();
});
$('#submit-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('#submit-error').textContent = '';
  const tags = $('#tags').value.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  try {
    const { id, status } = await api('/api/documents', { method: 'POST', body: JSON.stringify({ url: $('#url').value.trim(), tags }) });
    if (!docs.has(id)) docs.set(id, { id, url: $('#url').value.trim(), title: $('#url').value.trim(), status, tags, createdAt: Date.now(), summary: '' });
    $('#url').value = '';
    $('#tags').value = '';
    renderDocuments();
  } catch (err) {
    $('#submit-error').textContent = err.message;
  }
});
$('#search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void search($('#q').value);
});
$('#back').addEventListener('click', () => show('library'));
for (const b of document.querySelectorAll('nav button[data-view]')) b.addEventListener('click', () => show(b.dataset.view));
if (apiKey) void enter();
