// Ledger panel (ledger kind, peer heights, recent blocks, live chaincode events) and the transaction view.
import { t } from '../i18n.js';
import { api, unwrap, streamEvents, describeError } from '../api.js';
import { html, mount, errorBox, errorContent, empty, fmtDateTime, txLink, $ } from '../ui.js';

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

function blocksList(blocks) {
  if (!blocks.length) return empty(t('ledger.noBlocks'));
  return html`<ol class="blocks" id="block-list">${blocks.map((b) => {
    const txs = b.transactions || b.txs || [];
    return html`<li class="block"><p class="block-head"><strong>${t('ledger.block')} ${b.number ?? b.block}</strong>
      <span class="muted">${t('ledger.txCount', { n: txs.length })}</span></p>
      ${b.hash ? blockHashes(b) : ''}
      ${txs.length ? html`<ul class="tx-list">${txs.map((tx) => (typeof tx === 'string' ? html`<li>${txLink(tx)}</li>`
    : html`<li>${tx.tx_id ? txLink(tx.tx_id) : html`<span class="muted">${tx.type || ''}</span>`}
        ${tx.type && tx.type !== 'ENDORSER_TRANSACTION' ? html`<span class="muted small">${tx.type}</span>` : ''}
        ${tx.creator_msp_id ? html`<span class="mono small">${tx.creator_msp_id}</span>` : ''}
        ${tx.validation_code ? html`<span class="badge badge-tx ${tx.validation_code === 'VALID' ? 'badge-valid' : 'badge-invalid'}">${tx.validation_code}</span>` : ''}
        ${tx.timestamp ? html`<span class="muted small">${fmtDateTime(tx.timestamp)}</span>` : ''}</li>`))}</ul>` : ''}</li>`;
  })}</ol>`;
}

/** The embedded ledger's hash chain (Fabric's blocks do not carry it here): each names the one before. */
function blockHashes(b) {
  return html`<dl class="block-hashes"><dt>${t('ledger.hash')}</dt><dd class="mono break block-hash">${b.hash}</dd>
    ${b.previous_hash ? html`<dt>${t('ledger.previousHash')}</dt><dd class="mono break block-previous-hash">${b.previous_hash}</dd>` : ''}</dl>`;
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
    <form class="card toolbar" id="tx-lookup" novalidate role="search">
      <div class="field field-inline"><label for="tx-id">${t('ledger.lookup')}</label>
        <input id="tx-id" name="tx" class="mono" autocomplete="off" spellcheck="false" aria-describedby="tx-id-err"></div>
      <button type="submit" class="btn">${t('ledger.open')}</button><p class="field-error" id="tx-id-err" hidden></p></form>
    <div class="grid grid-2">
      <section class="card" aria-labelledby="peers-h"><h2 id="peers-h">${t('ledger.peers')}</h2><div id="ledger-peers">${t('common.loading')}</div></section>
      <section class="card" aria-labelledby="events-h"><div class="section-head"><h2 id="events-h">${t('ledger.events')}</h2>
        <span id="sse-state" class="badge" role="status"></span>
        <button type="button" class="btn btn-small" id="sse-toggle">${t('ledger.pause')}</button></div>
        <ul class="events" id="event-list" aria-live="polite"></ul><p class="empty" id="events-empty">${t('ledger.waiting')}</p></section>
    </div>
    <section class="card" aria-labelledby="blocks-h"><h2 id="blocks-h">${t('ledger.recent')}</h2><div id="ledger-blocks">${t('common.loading')}</div></section>`);

  $('#tx-lookup', main).addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = $('#tx-id', main);
    const value = input.value.trim();
    const err = $('#tx-id-err', main);
    const ok = /^[0-9a-fA-F]{64}$/.test(value);
    err.textContent = ok ? '' : t('v.txId');
    err.hidden = ok;
    input.setAttribute('aria-invalid', String(!ok));
    if (ok) ctx.navigate(`#/tx/${value.toLowerCase()}`);
    else input.focus();
  });

  const loadLedger = async () => {
    try {
      const data = unwrap(await api('/ledger', { signal: ctx.signal })) || {};
      if (!ctx.alive()) return;
      const peers = data.peers || data.heights || [];
      // The embedded ledger has no peers: its one row is the file that holds the chain.
      $('#peers-h', main).textContent = data.ledger === 'embedded' ? t('ledger.store') : t('ledger.peers');
      mount($('#ledger-peers', main), html`${ledgerKind(data.ledger)}${data.channel ? html`<p class="muted small">${t('ledger.channel')}: <span class="mono">${data.channel}</span></p>` : ''}
        ${data.height !== undefined ? html`<p>${t('ledger.chainHeight')}: <strong id="chain-height">${data.height}</strong></p>` : ''}${peersTable(peers)}`);
      mount($('#ledger-blocks', main), blocksList(data.blocks || data.recent_blocks || []));
    } catch (err) {
      if (err?.name === 'AbortError' || !ctx.alive()) return;
      mount($('#ledger-peers', main), errorBox(describeError(err)));
      mount($('#ledger-blocks', main), '');
    }
  };
  $('#ledger-refresh', main).addEventListener('click', loadLedger);
  await loadLedger();

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
          refreshTimer = setTimeout(loadLedger, 1500);
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
  };
}

export async function renderTx(main, ctx) {
  const [txId] = ctx.params;
  ctx.setTitle(`${t('ledger.tx')} ${txId.slice(0, 12)}`);
  mount(main, html`<nav class="crumbs" aria-label="${t('common.breadcrumb')}"><a href="#/ledger">${t('nav.ledger')}</a></nav>
    <h1 tabindex="-1">${t('ledger.txTitle')}</h1>
    <section class="card"><dl class="props"><dt>${t('ledger.txId')}</dt><dd class="mono break" id="tx-full-id">${txId}</dd></dl>
      <div id="tx-status">${t('common.loading')}</div></section>`);
  const host = $('#tx-status', main);
  let timer = 0;
  let tries = 0;
  const load = async () => {
    try {
      const d = unwrap(await api(`/transactions/${encodeURIComponent(txId)}`, { signal: ctx.signal })) || {};
      if (!ctx.alive()) return;
      const status = d.status || d.validation_code || 'unknown';
      const pending = status === 'pending';
      mount(host, html`<dl class="props">
        <dt>${t('common.status')}</dt><dd id="tx-state"><span class="badge badge-tx ${status === 'VALID' ? 'badge-valid' : pending ? 'badge-pending' : 'badge-invalid'}">${t(`tx.${status}`, null, status)}</span></dd>
        <dt>${t('ledger.block')}</dt><dd id="tx-block">${d.block ?? d.block_number ?? '—'}</dd>
        ${d.timestamp ? html`<dt>${t('common.time')}</dt><dd>${fmtDateTime(d.timestamp)}</dd>` : ''}
        ${d.creator_msp_id ? html`<dt>MSP</dt><dd class="mono">${d.creator_msp_id}</dd>` : ''}
      </dl>${pending ? html`<p class="muted">${t('ledger.pendingNote')}</p>` : ''}`);
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

