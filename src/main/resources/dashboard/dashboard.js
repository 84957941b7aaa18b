// vmflock's dashboard: the state from the API's resources, then live from /api/stream.
// Plain JS, no build step; charts by echarts, served by the node from its webjar, drawn as charts.js
// (shared with the simulator's report) says.
'use strict';

const state = { sites: [], vms: [], apps: [], migrations: new Map(), decisions: new Map(), history: new Map() };
const DECISIONS_SHOWN = 100;
const HISTORY_POINTS = 720;       // points per application's line: 1 h at one per 5 s
const REFRESH_MS = 5000;          // cost and progress are not events: read again this often
const PALETTE = ['#3b7dd8', '#e67e22', '#27ae60', '#8e44ad', '#c0392b', '#16a085', '#d35400', '#2c3e50', '#f39c12', '#7f8c8d'];

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k === 'style') e.style.cssText = v; else e.setAttribute(k, v);
  }
  children.flat().forEach(c => e.append(c instanceof Node ? c : document.createTextNode(String(c))));
  return e;
};

async function getJson(path) {
  const r = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(path + ' answered ' + r.status);
  return r.json();
}

/** Every item of a paged resource (a few pages at most: the dashboard shows a federation, not a data dump). */
async function all(path, pages = 10) {
  let items = [], offset = 0;
  for (let i = 0; i < pages; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const p = await getJson(`${path}${sep}limit=500&offset=${offset}`);
    items = items.concat(p.items);
    if (p.nextOffset === undefined) break;
    offset = p.nextOffset;
  }
  return items;
}

// ------------------------------------------------------------------ formatting

const bytes = vmflockCharts.bytes;
const seconds = (s) => s === undefined || s === null ? '–' : s < 120 ? s.toFixed(1) + ' s' : (s / 60).toFixed(1) + ' min';
const instant = (t) => t ? t.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
const groupColour = (app, group) => {
  const a = [...new Set(state.vms.map(v => v.application))].sort().indexOf(app);
  return PALETTE[(Math.max(a, 0) * 3 + (group ?? 0)) % PALETTE.length];
};

// ------------------------------------------------------------------ sites

function renderSites() {
  const box = $('#sites');
  box.replaceChildren(...state.sites.map(site => {
    const vms = state.vms.filter(v => v.site === site.name);
    const used = site.used.slots, cap = site.capacity.slots;
    const prices = Object.entries(site.pricePerVmHour).map(([size, p]) => (size === '*' ? '' : size + ' ') + p).join(', ');
    const unavailable = site.availableUntil === 'unavailable now';
    const links = Object.entries(site.links || {}).map(([to, l]) => `${to} ${l.latencyMs} ms, ${bytes(l.bytesPerSecond)}/s`);
    return el('div', { class: 'site' + (unavailable ? ' unavailable' : ''), 'data-site': site.name },
      el('h3', {}, site.name),
      el('dl', {},
        el('dt', {}, 'slots'), el('dd', {}, `${used} used / ${cap - used} free of ${cap}`),
        el('dt', {}, 'cores'), el('dd', {}, `${site.used.cores} / ${site.capacity.cores}`),
        el('dt', {}, 'memory'), el('dd', {}, `${bytes(site.used.memoryBytes)} / ${bytes(site.capacity.memoryBytes)}`),
        el('dt', {}, 'price'), el('dd', { class: 'price' }, prices + ' per VM-hour'),
        el('dt', {}, 'CPU speed'), el('dd', {}, site.cpuSpeed),
        el('dt', {}, 'available'), el('dd', {}, site.availableUntil === 'always' ? 'always' : unavailable ? 'no' : 'until ' + instant(site.availableUntil)),
        ...(site.quotaVms !== undefined ? [el('dt', {}, 'quota'), el('dd', {}, site.quotaVms + ' VMs')] : []),
        ...(links.length ? [el('dt', {}, 'links'), el('dd', {}, links.join('; '))] : [])),
      el('div', { class: 'bar', title: `${used} of ${cap} slots used` }, el('div', { style: `width:${cap ? 100 * used / cap : 0}%` })),
      el('div', { class: 'vms' }, vms.map(v => el('span', {
        class: 'vm' + (v.migration ? ' moving' : ''), 'data-vm': v.vm, style: `background:${groupColour(v.application, v.group)}`,
        title: `${v.application}, group ${v.group ?? '–'}${v.migration ? ', migrating' : ''}`,
      }, v.vm))));
  }));
  const select = $('#event-site'), chosen = select.value;
  select.replaceChildren(...state.sites.map(s => el('option', { value: s.name }, s.name)));
  if (chosen) select.value = chosen;
}

// ------------------------------------------------------------------ migrations

function renderMigrations() {
  const running = [...state.migrations.values()].filter(m => m.status === 'queued' || m.status === 'running');
  $('#no-migrations').hidden = running.length > 0;
  $('#migrations tbody').replaceChildren(...running.map(m => {
    const p = m.progress;
    const fraction = p && p.bytesSent + p.bytesLeft > 0 ? p.bytesSent / (p.bytesSent + p.bytesLeft) : 0;
    return el('tr', { 'data-migration': m.id },
      el('td', {}, m.vm), el('td', {}, `${m.from} → ${m.to}`), el('td', {}, p ? `${p.step} (round ${p.round})` : m.status),
      el('td', {}, el('div', { class: 'bar', title: p ? `${bytes(p.bytesSent)} sent, ${bytes(p.bytesLeft)} left` : '' },
        el('div', { style: `width:${(100 * fraction).toFixed(0)}%` }))),
      el('td', {}, seconds(m.predictedSeconds)), el('td', {}, '#' + m.decision));
  }));
}

// ------------------------------------------------------------------ decisions

/** Predicted against observed: the decision's own result, else its migrations' times. */
function observed(d) {
  if (d.result) return d.result;
  const ms = [...state.migrations.values()].filter(m => m.decision === d.id && m.observedSeconds !== undefined);
  return ms.map(m => `${m.vm}: predicted ${seconds(m.predictedSeconds)}, took ${seconds(m.observedSeconds)}`).join('; ');
}

function renderDecisions(fresh) {
  const rows = [...state.decisions.values()].sort((a, b) => b.id - a.id).slice(0, DECISIONS_SHOWN);
  $('#decisions tbody').replaceChildren(...rows.map(d => el('tr', {
    'data-decision': d.id, 'data-kind': d.kind, 'data-application': d.application, class: d.id === fresh ? 'new' : '',
  }, el('td', {}, d.id), el('td', {}, instant(d.at)), el('td', {}, d.application), el('td', {}, d.kind),
  el('td', {}, d.reason), el('td', {}, d.outcome), el('td', {}, observed(d)))));
}

// ------------------------------------------------------------------ charts

const costChart = echarts.init($('#cost-chart'));
const timeChart = echarts.init($('#time-chart'));
const trafficChart = echarts.init($('#traffic-chart'));
window.addEventListener('resize', () => [costChart, timeChart, trafficChart].forEach(c => c.resize()));

function lineOption(valueOf, unit) {
  const series = [...state.history.entries()].map(([app, points]) => ({
    name: app, data: points.map(p => [p.at, valueOf(p)]).filter(p => p[1] !== null),
  }));
  return vmflockCharts.lines(series, { type: 'time' }, unit);
}

/** A point per application: what it spent so far, the time its remaining work needs at its observed pace. */
function recordApplications(at) {
  for (const a of state.apps) {
    const points = state.history.get(a.name) || [];
    const left = a.secondsPerWork === undefined || a.secondsPerWork === null ? null : Math.max(0, a.totalWork - a.doneWork) * a.secondsPerWork;
    points.push({ at, spent: a.spent, left });
    if (points.length > HISTORY_POINTS) points.shift();
    state.history.set(a.name, points);
  }
  costChart.setOption(lineOption(p => p.spent, 'spent'), { replaceMerge: ['series'] });
  timeChart.setOption(lineOption(p => p.left, 's'), { replaceMerge: ['series'] });
}

async function renderTraffic() {
  const app = $('#traffic-app').value;
  if (!app) return;
  let m;
  try {
    m = await getJson('/api/traffic?app=' + encodeURIComponent(app));
  } catch (e) {
    $('#traffic-at').textContent = 'no traffic observed yet';
    return;
  }
  $('#traffic-at').textContent = (m.observed ? 'observed ' + instant(m.at) + ', bytes/s' : 'no traffic observed yet')
    + (m.truncated ? `, the first ${m.vms.length} of ${m.totalVms} VMs` : '');
  const chart = vmflockCharts.heatmap(m.vms, m.bytesPerSecond);
  $('#traffic-chart').dataset.maxBytesPerSecond = chart.max;
  trafficChart.setOption(chart.option);
}

// ------------------------------------------------------------------ loading

async function loadSites() {
  state.sites = (await getJson('/api/sites?limit=500')).items;
  renderSites();
}

async function loadVms() {
  state.vms = await all('/api/vms');
  renderSites();
}

async function loadApplications() {
  state.apps = await all('/api/applications');
  const select = $('#traffic-app'), chosen = select.value;
  select.replaceChildren(...state.apps.map(a => el('option', { value: a.name }, a.name)));
  if (chosen && state.apps.some(a => a.name === chosen)) select.value = chosen;
  const status = await getJson('/api/status?limit=0&recent=0');
  $('#clock').textContent = instant(status.at);
  $('#totals').textContent = `${status.totals.running} running, ${status.totals.finished} finished, ${status.totals.vms} VMs, `
    + `${status.totals.migrationsInFlight} migrating, ${status.totals.decisions} decisions`;
  recordApplications(Date.parse(status.at));
}

async function loadMigrationsAndDecisions() {
  (await getJson('/api/migrations?limit=500')).items.forEach(m => state.migrations.set(m.id, m));
  (await getJson(`/api/decisions?limit=${DECISIONS_SHOWN}`)).items.forEach(d => state.decisions.set(d.id, d));
  renderMigrations();
  renderDecisions();
}

/** Calls {@code f} at most once per {@code ms}, the last call winning. */
function throttled(f, ms) {
  let timer = null;
  return () => { if (!timer) timer = setTimeout(() => { timer = null; f().catch(report); }, ms); };
}

const report = (e) => console.error(e);
const refreshPlacement = throttled(() => Promise.all([loadSites(), loadVms()]), 300);
const refreshOutcomes = throttled(() => Promise.all([loadMigrationsAndDecisions(), loadApplications()]), 500);

function follow() {
  const stream = new EventSource('/api/stream');
  const shown = (on, text) => { const s = $('#stream-state'); s.className = on ? 'on' : 'off'; s.textContent = 'stream: ' + text; };
  stream.onopen = () => shown(true, 'live');
  stream.onerror = () => shown(false, 'reconnecting');   // EventSource reconnects by itself
  stream.addEventListener('subscribed', () => {
    shown(true, 'live');
    loadMigrationsAndDecisions().catch(report);  // what happened before this subscription
  });
  stream.addEventListener('decision', (e) => {
    const d = JSON.parse(e.data);
    state.decisions.set(d.id, d);
    renderDecisions(d.id);
    refreshOutcomes();
  });
  stream.addEventListener('migration', (e) => {
    const m = JSON.parse(e.data);
    state.migrations.set(m.id, m);
    renderMigrations();
    if (m.phase !== 'step') {
      refreshPlacement();
      refreshOutcomes();
    }
  });
  stream.addEventListener('site', refreshPlacement);
}

// ------------------------------------------------------------------ inject

function injectForm() {
  const token = $('#token'), type = $('#event-type'), form = $('#inject'), result = $('#inject-result');
  token.value = sessionStorage.getItem('vmflock-token') || '';
  const showFields = () => form.querySelectorAll('[data-for]').forEach(s => s.classList.toggle('shown', s.dataset.for === type.value));
  type.addEventListener('change', showFields);
  showFields();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    sessionStorage.setItem('vmflock-token', token.value.trim());
    const event = { type: type.value, site: $('#event-site').value };
    form.querySelectorAll(`[data-for="${type.value}"] input`).forEach(i => {
      if (i.value.trim() !== '') event[i.name] = i.type === 'number' ? Number(i.value) : i.value.trim();
    });
    if (type.value === 'availability') {
      event.windows = event.from || event.until ? [{ from: event.from || '+0m', until: event.until || '+3650d' }] : [];
      delete event.from; delete event.until;
    }
    result.className = 'quiet';
    result.textContent = 'sending ' + JSON.stringify(event);
    try {
      const r = await fetch('/api/events', {
        method: 'POST', body: JSON.stringify(event),
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token.value.trim() },
      });
      const body = await r.json();
      result.className = r.ok ? 'ok' : 'error';
      result.textContent = r.ok ? 'accepted: ' + body.accepted : `refused (${r.status}): ${body.error}`;
    } catch (err) {
      result.className = 'error';
      result.textContent = 'the node did not answer: ' + err;
    }
  });
}

// ------------------------------------------------------------------ start

injectForm();
follow();
Promise.all([loadSites(), loadVms(), loadApplications()]).then(renderTraffic).catch(report);
$('#traffic-app').addEventListener('change', () => renderTraffic().catch(report));
setInterval(() => Promise.all([loadApplications(), loadVms()]).then(renderTraffic).catch(report), REFRESH_MS);
