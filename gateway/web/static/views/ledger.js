// Ledger panel (ledger kind, genesis hash, peer heights, block search, recent blocks, activity
// charts, live chaincode events) and the transaction view.
import { t } from '../i18n.js';
import { api, unwrap, streamEvents, describeError } from '../api.js';
import {
  html, mount, errorBox, errorContent, empty, fmtDateTime, txLink, $, validationBadge, endorsersLabel,
} from '../ui.js';
import { barChart, lineChart, responsive } from '../charts.js';
import { evidenceCard, bindEvidence } from './evidence.js';

const MAX_EVENTS = 100;
const ENTITY_ROUTES = { catalog: 'catalogs', department: 'departments' };

/**
 * Peers and their heights, fitting a half-width card at 1280–1366 px and a phone: a peer's long
 * name (peer0.civilaffairs.citydir.local) may break after its dots, its address and any error sit
 * under it, the MSP and the height never wrap (on a phone the MSP moves under the name too).
 */
/** A dotted name that may wrap after each dot (and nowhere else unless it must). */
const breakAfterDots = (name) => String(name || '').split('.').map((part, i) => html`${i ? html`.<wbr>` : ''}${part}`);

function peersTable(peers) {
  if (!peers.length) return empty(t('ledger.noPeers'));
  const max = Math.max(...peers.map((p) => Number(p.height) || 0));
  const known = (p) => p.height !== null && p.height !== undefined;
  return html`<div class="table-wrap"><table id="peer-table" class="peer-table"><thead><tr>
    <th scope="col">${t('ledger.peer')} <span class="muted">· ${t('ledger.address')}</span></th><th scope="col" class="hide-sm">MSP</th>
    <th scope="col" class="peer-height">${t('ledger.height')}</th></tr></thead>
    <tbody>${peers.map((p) => html`<tr data-peer="${p.peer || p.name || ''}">
      <td class="peer-cell"><span class="mono peer-name">${breakAfterDots(p.peer || p.name)}</span>
        <div class="mono small show-sm">${p.msp_id || p.org || ''}</div>
        ${p.address ? html`<div class="mono small muted peer-address">${p.address}</div>` : ''}
        ${p.error ? html`<div class="small peer-error">${p.error}</div>` : ''}</td>
      <td class="mono peer-msp hide-sm">${p.msp_id || p.org || '—'}</td>
      <td class="peer-height">${known(p) ? html`<strong>${p.height}</strong>` : html`<span class="badge badge-status badge-suspended">${t('ledger.unreachable')}</span>`}
        ${known(p) && Number(p.height) < max ? html`<div><span class="badge badge-status badge-pending">${t('ledger.behind', { n: max - p.height })}</span></div>` : ''}</td>
    </tr>`)}</tbody></table></div>`;
}

/** One transaction of a block: its id, type, creator, endorsers, validation code and time. */
function txItem(tx, { match = '' } = {}) {
  if (typeof tx === 'string') return html`<li class="tx" data-tx="${tx}">${txLink(tx)}</li>`;
  const hit = match && tx.tx_id === match;
  return html`<li class="tx${hit ? ' tx-match' : ''}" data-tx="${tx.tx_id || ''}">
    ${tx.index !== undefined && tx.index !== null ? html`<span class="muted small tx-index">#${tx.index}</span>` : ''}
    ${tx.tx_id ? txLink(tx.tx_id) : html`<span class="muted">${tx.type || ''}</span>`}
    ${tx.type && tx.type !== 'ENDORSER_TRANSACTION' ? html`<span class="muted small">${tx.type}</span>` : ''}
    ${tx.chaincode ? html`<span class="muted small mono">${typeof tx.chaincode === 'object' ? tx.chaincode.name || '' : tx.chaincode}</span>` : ''}
    ${validationBadge(tx.validation_code)}
    ${tx.creator_msp_id ? html`<span class="tx-creator small"><span class="muted">${t('prov.creator')}</span> <span class="mono">${tx.creator_msp_id}</span></span>` : ''}
    ${tx.type === 'ENDORSER_TRANSACTION' || Array.isArray(tx.endorsers) ? html`<span class="tx-endorsers small"><span class="muted">${t('prov.endorsers')}</span> ${endorsersLabel(tx.endorsers, { short: true })}</span>` : ''}
    ${tx.timestamp ? html`<span class="muted small">${fmtDateTime(tx.timestamp)}</span>` : ''}</li>`;
}

function blockItem(b, { match = '', id = '' } = {}) {
  const txs = b.transactions || b.txs || [];
  const number = b.number ?? b.block;
  return html`<li class="block"${id ? html` id="${id}"` : ''} data-block="${number}"><p class="block-head"><strong>${t('ledger.block')} ${number}</strong>
      <span class="muted">${t('ledger.txCount', { n: txs.length })}</span>
      ${b.config_block !== null && b.config_block !== undefined && Number(b.config_block) === Number(number) ? html`<span class="badge badge-config">${t('ledger.configBlock')}</span>` : ''}</p>
      ${b.hash ? blockHashes(b) : ''}
      ${txs.length ? html`<ul class="tx-list">${txs.map((tx) => txItem(tx, { match }))}</ul>` : ''}</li>`;
}

function blocksList(blocks) {
  if (!blocks.length) return empty(t('ledger.noBlocks'));
  return html`<ol class="blocks" id="block-list">${blocks.map((b) => blockItem(b))}</ol>`;
}

/** A block's header hashes: its own, the one before it (which it names), and its data's. */
function blockHashes(b) {
  return html`<dl class="block-hashes"><dt>${t('ledger.hash')}</dt><dd class="mono break block-hash">${b.hash}</dd>
    ${b.previous_hash ? html`<dt>${t('ledger.previousHash')}</dt><dd class="mono break block-previous-hash">${b.previous_hash}</dd>` : ''}
    ${b.data_hash ? html`<dt>${t('ledger.dataHash')}</dt><dd class="mono break block-data-hash">${b.data_hash}</dd>` : ''}
    ${b.config_block !== null && b.config_block !== undefined ? html`<dt>${t('ledger.configInForce')}</dt><dd class="block-config">${t('ledger.block')} ${b.config_block}</dd>` : ''}</dl>`;
}

// --- activity charts -------------------------------------------------------------------------

const BUCKETS = [1, 2, 5, 10, 15, 30, 60, 120, 240, 360, 720, 1440];
const MAX_POINTS = 120;
const MIN_POINTS = 10;
const MINUTE = 60000;

/**
 * per_minute [{minute: '2026-12-01T22:47Z', count}] → consecutive points, gaps filled with 0. When
 * the span is long, minutes are grouped (5, 10, 60 … minutes) and each point is the average per minute.
 */
export function minuteSeries(perMinute) {
  const counts = new Map();
  for (const row of perMinute || []) {
    const ms = Date.parse(String(row.minute || '').replace(/Z$/, ':00Z'));
    if (!Number.isNaN(ms)) counts.set(ms, (counts.get(ms) || 0) + (Number(row.count) || 0));
  }
  if (!counts.size) return { points: [], bucket: 1 };
  const keys = [...counts.keys()].sort((a, b) => a - b);
  // Up to now when the last transaction is recent (the quiet minutes since are part of the story),
  // and at least MIN_POINTS minutes wide, so a burst within one minute is not a lone dot.
  const nowMinute = Math.floor(Date.now() / MINUTE) * MINUTE;
  const latest = keys[keys.length - 1];
  const last = nowMinute > latest && nowMinute - latest <= 120 * MINUTE ? nowMinute : latest;
  const first = Math.min(keys[0], last - (MIN_POINTS - 1) * MINUTE);
  const span = (last - first) / MINUTE + 1;
  const bucket = BUCKETS.find((b) => span / b <= MAX_POINTS) || BUCKETS[BUCKETS.length - 1];
  const start = Math.floor(first / (bucket * MINUTE)) * bucket * MINUTE;
  const sums = new Map();
  for (const [ms, n] of counts) {
    const key = Math.floor((ms - start) / (bucket * MINUTE));
    sums.set(key, (sums.get(key) || 0) + n);
  }
  const steps = Math.floor((last - start) / (bucket * MINUTE));
  const points = [];
  for (let i = 0; i <= steps; i += 1) {
    const total = sums.get(i) || 0;
    points.push({
      date: `${new Date(start + i * bucket * MINUTE).toISOString().slice(0, 16)}Z`,
      value: bucket === 1 ? total : Math.round((total / bucket) * 100) / 100,
      total,
    });
  }
  return { points, bucket };
}

const pad2 = (n) => String(n).padStart(2, '0');
/** A minute (UTC ISO) as the reader's local HH:MM, with the date when the series spans days. */
function minuteLabel(iso, withDate) {
  const d = new Date(iso.replace(/Z$/, ':00Z'));
  if (Number.isNaN(d.getTime())) return iso;
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return withDate ? `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${time}` : time;
}

function drawActivity(main, data, disconnects) {
  const minuteHost = $('#chart-per-minute', main);
  const orgHost = $('#chart-per-org', main);
  if (!minuteHost || !orgHost) return;
  disconnects.splice(0).forEach((d) => d());
  const total = Number(data.transactions) || 0;
  const range = { n: total, from: data.from_block ?? 0, to: Math.max(0, (data.height ?? 1) - 1) };
  const { points, bucket } = minuteSeries(data.per_minute);
  if (!points.length) {
    mount(minuteHost, empty(t('ledger.noActivity')));
  } else {
    const days = new Set(points.map((p) => new Date(p.date.replace(/Z$/, ':00Z')).toDateString()));
    const note = html`<p class="chart-note">${t('ledger.activityNote', range)}${bucket > 1 ? html` ${t('ledger.activityBucket', { m: bucket })}` : ''}</p>`;
    for (const p of points) {
      const when = minuteLabel(p.date, days.size > 1);
      p.title = bucket === 1 ? t('ledger.pointMinute', { when, n: p.total }) : t('ledger.pointBucket', { when, n: p.total, m: bucket, rate: p.value });
    }
    disconnects.push(responsive(minuteHost, (width) => html`${lineChart(points, {
      width, label: t('ledger.perMinute'), formatDate: (d) => minuteLabel(d, days.size > 1),
    })}${note}`));
  }
  const rows = (data.per_org || []).map((r) => ({ label: r.msp_id || '?', value: Number(r.count) || 0 }))
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
  if (!rows.length) mount(orgHost, empty(t('ledger.noActivity')));
  else disconnects.push(responsive(orgHost, (width) => barChart(rows, { width, label: t('ledger.perOrg') })));
}

// --- block search ----------------------------------------------------------------------------

const BLOCK_QUERY = /^(\d{1,18}|[0-9a-fA-F]{64})$/;

function foundBlock(b, query) {
  const match = /^[0-9a-f]{64}$/.test(query) && (b.transactions || []).some((tx) => tx.tx_id === query) ? query : '';
  const how = /^\d+$/.test(query) ? 'number' : match ? 'tx' : 'hash';
  return html`<div class="found-block" id="found-block" data-block="${b.number}" data-found-by="${how}">
    <p class="small muted">${t(`ledger.foundBy.${how}`)}</p>
    <ol class="blocks">${blockItem(b, { match })}</ol></div>`;
}

function ledgerKind(kind) {
  if (!kind) return '';
  return html`<p>${t('ledger.kind')}: <span class="badge badge-ledger badge-ledger-${kind}" id="ledger-kind" data-ledger="${kind}">${
    t(`ledger.kind.${kind}`, null, kind)}</span></p>${kind === 'embedded' ? html`<p class="small muted">${t('ledger.embeddedNote')}</p>` : ''}`;
}

function eventItem(ev) {
  const d = ev.data && typeof ev.data === 'object' ? ev.data : { payload: ev.data };
  const name = d.name || d.event_name || d.event || (ev.type !== 'message' ? ev.type : '');
  const payload = d.payload && typeof d.payload === 'object' ? d.payload : d;
  const route = ENTITY_ROUTES[payload.entity];
  const target = payload.id
    ? route ? html`<a href="#/${route}/${encodeURIComponent(payload.id)}">${payload.id}</a>` : html`<span class="mono">${payload.id}</span>` : '';
  return html`<li class="event"><span class="muted small">${fmtDateTime(d.timestamp || new Date().toISOString())}</span>
    <strong>${t(`event.${name}`, null, name)}</strong> ${payload.entity ? html`<span class="muted">${t(`entity.${payload.entity}`, null, payload.entity)}</span>` : ''} ${target}
    ${payload.version ? html`<span class="muted small">v${payload.version}</span>` : ''}
    <span class="small">${txLink(d.tx_id, d.block ?? d.block_number)}</span></li>`;
}

export async function render(main, ctx) {
  ctx.setTitle(t('nav.ledger'));
  mount(main, html`<div class="page-head"><h1 tabindex="-1">${t('ledger.title')}</h1>
      <div class="actions"><button type="button" class="btn" id="ledger-refresh">${t('common.refresh')}</button></div></div>
    <section class="card" aria-labelledby="find-h"><h2 id="find-h">${t('ledger.find')}</h2>
      <form class="toolbar" id="ledger-search" novalidate role="search">
        <div class="field field-inline"><label for="ledger-q">${t('ledger.findLabel')}</label>
          <input id="ledger-q" name="q" class="mono" autocomplete="off" spellcheck="false" inputmode="text"
            aria-describedby="ledger-q-hint ledger-q-err"><p class="hint" id="ledger-q-hint">${t('ledger.findHint')}</p></div>
        <button type="submit" class="btn btn-primary" id="ledger-find">${t('ledger.findBtn')}</button>
        <p class="field-error" id="ledger-q-err" hidden></p></form>
      <div id="ledger-found" aria-live="polite"></div></section>
    <div class="grid grid-2">
      <section class="card" aria-labelledby="peers-h"><h2 id="peers-h">${t('ledger.peers')}</h2><div id="ledger-peers">${t('common.loading')}</div></section>
      <section class="card" aria-labelledby="events-h"><div class="section-head"><h2 id="events-h">${t('ledger.events')}</h2>
        <span id="sse-state" class="badge" role="status"></span>
        <button type="button" class="btn btn-small" id="sse-toggle">${t('ledger.pause')}</button></div>
        <ul class="events" id="event-list" aria-live="polite"></ul><p class="empty" id="events-empty">${t('ledger.waiting')}</p></section>
    </div>
    <div class="grid grid-2" id="ledger-activity">
      <section class="card" aria-labelledby="perminute-h"><h2 id="perminute-h">${t('ledger.perMinute')}</h2><div class="chart-host" id="chart-per-minute">${t('common.loading')}</div></section>
      <section class="card" aria-labelledby="perorg-h"><h2 id="perorg-h">${t('ledger.perOrg')}</h2><div class="chart-host" id="chart-per-org">${t('common.loading')}</div></section>
    </div>
    <section class="card" aria-labelledby="blocks-h"><h2 id="blocks-h">${t('ledger.recent')}</h2><div id="ledger-blocks">${t('common.loading')}</div></section>`);

  // Find a block by its number, a transaction id in it, or its hash (the API tells which).
  const form = $('#ledger-search', main);
  const input = $('#ledger-q', main);
  const qErr = $('#ledger-q-err', main);
  const found = $('#ledger-found', main);
  const setQueryError = (message) => {
    qErr.textContent = message || '';
    qErr.hidden = !message;
    input.setAttribute('aria-invalid', String(Boolean(message)));
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const q = input.value.trim().toLowerCase();
    if (!BLOCK_QUERY.test(q)) {
      setQueryError(q ? t('ledger.findMalformed') : t('v.required'));
      mount(found, '');
      input.focus();
      return;
    }
    setQueryError('');
    mount(found, html`<p class="loading" role="status">${t('common.loading')}</p>`);
    try {
      const block = unwrap(await api('/ledger/find', { query: { q }, signal: ctx.signal }));
      if (!ctx.alive()) return;
      mount(found, foundBlock(block || {}, q));
    } catch (err) {
      if (err?.name === 'AbortError' || !ctx.alive()) return;
      if (err?.status === 404) {
        mount(found, html`<div class="alert alert-warn" role="alert" id="ledger-not-found">${t('ledger.findNone', { q })}</div>`);
      } else if (err?.status === 400) {
        mount(found, '');
        setQueryError(t('ledger.findMalformed'));
        input.focus();
      } else {
        mount(found, errorBox(describeError(err)));
      }
    }
  });

  const chartDisconnects = [];
  const loadActivity = async () => {
    try {
      const data = unwrap(await api('/ledger/activity', { query: { blocks: 200 }, signal: ctx.signal })) || {};
      if (!ctx.alive()) return;
      drawActivity(main, data, chartDisconnects);
    } catch (err) {
      if (err?.name === 'AbortError' || !ctx.alive()) return;
      chartDisconnects.splice(0).forEach((d) => d());
      mount($('#chart-per-minute', main), errorBox(describeError(err)));
      mount($('#chart-per-org', main), errorBox(describeError(err)));
    }
  };

  const loadLedger = async () => {
    try {
      const data = unwrap(await api('/ledger', { signal: ctx.signal })) || {};
      if (!ctx.alive()) return;
      const peers = data.peers || data.heights || [];
      // The embedded ledger has no peers: its one row is the file that holds the chain.
      $('#peers-h', main).textContent = data.ledger === 'embedded' ? t('ledger.store') : t('ledger.peers');
      mount($('#ledger-peers', main), html`${ledgerKind(data.ledger)}${data.channel ? html`<p class="muted small">${t('ledger.channel')}: <span class="mono">${data.channel}</span></p>` : ''}
        ${data.height !== undefined ? html`<p>${t('ledger.chainHeight')}: <strong id="chain-height">${data.height}</strong></p>` : ''}
        ${data.genesis_hash ? html`<div class="genesis"><p class="genesis-label">${t('ledger.genesis')}</p>
          <p class="mono break genesis-hash" id="genesis-hash">${data.genesis_hash}</p><p class="small muted">${t('ledger.genesisNote')}</p></div>` : ''}
        ${peersTable(peers)}`);
      mount($('#ledger-blocks', main), blocksList(data.blocks || data.recent_blocks || []));
    } catch (err) {
      if (err?.name === 'AbortError' || !ctx.alive()) return;
      mount($('#ledger-peers', main), errorBox(describeError(err)));
      mount($('#ledger-blocks', main), '');
    }
  };
  const refreshAll = () => Promise.all([loadLedger(), loadActivity()]);
  $('#ledger-refresh', main).addEventListener('click', refreshAll);
  // #/ledger?q=… (a link from a transaction's page) opens with that search done.
  if (ctx.query?.q) {
    input.value = ctx.query.q;
    form.requestSubmit();
  }
  await refreshAll();

  // Live events: fetch-streamed SSE; reconnect with backoff; each event also refreshes the heights.
  const list = $('#event-list', main);
  const stateEl = $('#sse-state', main);
  const toggle = $('#sse-toggle', main);
  let streamAbort = null;
  let paused = false;
  let stopped = false;
  let lastId = null;
  let retryTimer = 0;
  let refreshTimer = 0;
  const setState = (key, cls) => {
    stateEl.textContent = t(`ledger.sse.${key}`);
    stateEl.className = `badge sse-${cls}`;
  };
  const connect = async (attempt = 0) => {
    if (stopped || paused) return;
    streamAbort = new AbortController();
    setState('connecting', 'wait');
    try {
      await streamEvents('/events', {
        signal: streamAbort.signal,
        lastEventId: lastId,
        onOpen: () => {
          attempt = 0;
          setState('live', 'live');
        },
        onEvent: (ev) => {
          if (ev.id) lastId = ev.id;
          if (ev.type === 'ping' || ev.type === 'heartbeat') return;
          $('#events-empty', main)?.remove();
          list.insertAdjacentHTML('afterbegin', String(eventItem(ev)));
          while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
          clearTimeout(refreshTimer);
          refreshTimer = setTimeout(refreshAll, 1500);
        },
      });
    } catch (err) {
      if (err?.name === 'AbortError' || stopped || paused) return;
      if (err?.status === 404 || err?.status === 401 || err?.status === 403) {
        setState('unavailable', 'off');
        mount($('#events-empty', main) || list, errorContent(describeError(err)));
        return;
      }
    }
    if (stopped || paused) return;
    // The server ends streams after a while (sse_max_seconds): reconnect, backing off on failures.
    const delay = Math.min(30000, 1000 * 2 ** Math.min(attempt, 5));
    setState('reconnecting', 'wait');
    retryTimer = setTimeout(() => connect(attempt + 1), delay);
  };
  toggle.addEventListener('click', () => {
    paused = !paused;
    toggle.textContent = paused ? t('ledger.resume') : t('ledger.pause');
    if (paused) {
      clearTimeout(retryTimer);
      streamAbort?.abort();
      setState('paused', 'off');
    } else {
      connect();
    }
  });
  connect();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    clearTimeout(refreshTimer);
    streamAbort?.abort();
    chartDisconnects.splice(0).forEach((d) => d());
  };
}

export async function renderTx(main, ctx) {
  const [txId] = ctx.params;
  ctx.setTitle(`${t('ledger.tx')} ${txId.slice(0, 12)}`);
  mount(main, html`<nav class="crumbs" aria-label="${t('common.breadcrumb')}"><a href="#/ledger">${t('nav.ledger')}</a></nav>
    <h1 tabindex="-1">${t('ledger.txTitle')}</h1>
    <section class="card"><dl class="props"><dt>${t('ledger.txId')}</dt><dd class="mono break" id="tx-full-id">${txId}</dd></dl>
      <div id="tx-status">${t('common.loading')}</div></section>
    <div id="tx-evidence"></div>`);
  const host = $('#tx-status', main);
  let timer = 0;
  let tries = 0;
  let evidenceShown = false;
  const load = async () => {
    try {
      const d = unwrap(await api(`/transactions/${encodeURIComponent(txId)}`, { signal: ctx.signal })) || {};
      if (!ctx.alive()) return;
      const status = d.status || d.validation_code || 'unknown';
      const pending = status === 'pending';
      const block = d.block ?? d.block_number;
      const chaincode = d.chaincode && typeof d.chaincode === 'object' ? d.chaincode.name : d.chaincode;
      mount(host, html`<dl class="props">
        <dt>${t('common.status')}</dt><dd id="tx-state"><span class="badge badge-tx ${status === 'VALID' ? 'badge-valid' : pending ? 'badge-pending' : 'badge-invalid'}">${t(`tx.${status}`, null, status)}</span></dd>
        <dt>${t('prov.block')}</dt><dd id="tx-block">${block !== undefined && block !== null ? html`<a href="#/ledger?q=${encodeURIComponent(String(block))}">${block}</a>` : '—'}</dd>
        ${d.index !== undefined && d.index !== null ? html`<dt>${t('ledger.txIndex')}</dt><dd id="tx-index">${d.index}</dd>` : ''}
        ${d.type ? html`<dt>${t('ledger.txType')}</dt><dd class="mono small">${d.type}</dd>` : ''}
        ${chaincode ? html`<dt>${t('ledger.chaincode')}</dt><dd class="mono">${chaincode}</dd>` : ''}
        ${d.timestamp ? html`<dt>${t('common.time')}</dt><dd>${fmtDateTime(d.timestamp)}</dd>` : ''}
        ${d.creator_msp_id ? html`<dt>${t('prov.creator')}</dt><dd class="mono" id="tx-creator">${d.creator_msp_id}</dd>` : ''}
        ${!pending ? html`<dt>${t('prov.endorsers')}</dt><dd id="tx-endorsers">${endorsersLabel(d.endorsers)}</dd>` : ''}
      </dl>${pending ? html`<p class="muted">${t('ledger.pendingNote')}</p>` : ''}`);
      // Once committed (valid or not) the transaction has a block, hence a bundle.
      if (!pending && block !== undefined && block !== null && !evidenceShown) {
        evidenceShown = true;
        const evHost = $('#tx-evidence', main);
        mount(evHost, evidenceCard(`/transactions/${encodeURIComponent(txId)}/evidence`, { what: t('ev.lead.tx') }));
        bindEvidence(evHost, ctx);
      }
      // Poll a pending transaction for a minute: it is usually committed within seconds.
      if (pending && tries < 30) {
        tries += 1;
        timer = setTimeout(load, 2000);
      }
    } catch (err) {
      if (err?.name === 'AbortError' || !ctx.alive()) return;
      mount(host, errorBox(err?.status === 404 ? t('ledger.txNotFound') : describeError(err)));
    }
  };
  await load();
  return () => clearTimeout(timer);
}
