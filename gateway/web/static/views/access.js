// Access: inbox (requests for my catalogs), outbox (my requests), grants held, usage, access check;
// and one request's or one grant's page, with its history.
import { t, bi } from '../i18n.js';
import { api, unwrap, listAll, write, describeError } from '../api.js';
import {
  html, mount, badge, deptLink, deptLabel, errorBox, empty, fmtDate, fmtDateTime, txLink, ledgerMeta, control, checkForm,
  formValues, busy, toast, toastError, askDialog, $, $$, shortId, daysUntil, dateToIso,
} from '../ui.js';
import {
  asMyDepartments, departmentOptions, enumOptions, REQUEST_STATUSES, itemTitle, catalogsById, catalogName, itemsLabel,
  itemsText, actorLabel, loadHistory,
} from './common.js';
import { revokeGrant } from './catalogs.js';
import { evidenceCard, bindEvidence } from './evidence.js';

const TABS = ['inbox', 'outbox', 'grants', 'usage', 'check'];

export async function render(main, ctx) {
  const tab = ctx.params[0] || 'inbox';
  ctx.setTitle(`${t('nav.access')} · ${t(`access.tab.${tab}`)}`);
  const mine = ctx.can.myDepartments();
  // With several departments for my MSP (or an unknown identity), the user may pick which one acts.
  const showDeptPicker = ['inbox', 'outbox', 'grants', 'usage'].includes(tab) && (!ctx.me?.known || mine.length > 1);
  mount(main, html`<div class="page-head"><h1 tabindex="-1">${t('access.title')}</h1></div>
    <nav class="tabs" aria-label="${t('access.title')}">${TABS.map((k) => html`<a href="#/access/${k}" id="tab-${k}"${k === tab ? html` aria-current="page" class="active"` : ''}>${t(`access.tab.${k}`)}</a>`)}</nav>
    ${['inbox', 'outbox'].includes(tab) || showDeptPicker ? html`<form class="toolbar card" id="access-filters" novalidate>
      ${showDeptPicker ? control({ id: 'a-dept', name: 'department', label: t('access.actingDept'), type: 'select', value: ctx.query.department || '',
    options: departmentOptions(mine, { blank: mine.length > 1 ? t('access.allMyDepts') : t('access.defaultDept') }) }) : ''}
      ${['inbox', 'outbox'].includes(tab) ? control({ id: 'a-status', name: 'status', label: t('common.status'), type: 'select', value: ctx.query.status || '',
    options: enumOptions('status', REQUEST_STATUSES, t('common.all')) }) : ''}
      <div class="form-actions"><button type="submit" class="btn">${t('common.apply')}</button></div></form>` : ''}
    <section id="access-body" aria-live="polite">${t('common.loading')}</section>`);
  $('#access-filters', main)?.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const params = new URLSearchParams(Object.entries(formValues(ev.target)).filter(([, v]) => v));
    ctx.navigate(`#/access/${tab}${params.toString() ? `?${params}` : ''}`);
  });
  const host = $('#access-body', main);
  const views = { inbox: requests, outbox: requests, grants, usage, check };
  try {
    await views[tab](host, ctx, tab);
  } catch (err) {
    if (ctx.alive()) mount(host, errorBox(describeError(err)));
  }
}

// --- requests --------------------------------------------------------------------------------

/** "As my department": the one picked in the toolbar, else every department of my MSP. */
const mineQuery = (ctx) => ({ department: ctx.query.department, departments: ctx.can.myDepartmentIds(), signal: ctx.signal });

function grantLink(grant) {
  return html`<a class="mono" href="#/grants/${encodeURIComponent(grant.id)}">${grant.id}</a>`;
}

/** What a request says, as a property list (its card and its page share it). */
function requestProps(r, ctx, { side, grant, owner }) {
  const decision = r.decision || {};
  const reason = r.reason || r.decision_reason || decision.reason;
  return html`<dl class="props props-compact">
      ${side !== 'outbox' ? html`<dt>${t('req.requester')}</dt><dd>${deptLink(ctx.depts, r.requester_id)}</dd>` : ''}
      ${side !== 'inbox' ? html`<dt>${t('req.owner')}</dt><dd>${deptLink(ctx.depts, owner)}</dd>` : ''}
      <dt>${t('req.items')}</dt><dd class="request-items">${itemsLabel(r.items)}</dd>
      <dt>${t('req.purpose')}</dt><dd>${r.purpose || '—'}</dd>
      <dt>${t('req.legalBasis')}</dt><dd>${r.legal_basis || '—'}</dd>
      <dt>${t('req.until')}</dt><dd class="request-until">${fmtDate(r.requested_until)}</dd>
      <dt>${t('common.created')}</dt><dd class="request-created">${fmtDateTime(r.created_at)}</dd>
      ${side === 'page' && r.requested_by ? html`<dt>${t('req.requestedBy')}</dt><dd class="mono">${actorLabel(r.requested_by)}</dd>` : ''}
      ${reason ? html`<dt>${t('common.reason')}</dt><dd>${reason}</dd>` : ''}
      ${side === 'page' && decision.by ? html`<dt>${t('req.decidedBy')}</dt><dd><span class="mono">${actorLabel(decision.by)}</span> · ${fmtDateTime(decision.at)}</dd>` : ''}
      ${grant ? html`<dt>${t('grant.id')}</dt><dd>${grantLink(grant)} ${badge('status', grant.status)} · ${t('grant.validUntil')} ${fmtDate(grant.valid_until)}</dd>`
    : r.grant_id ? html`<dt>${t('grant.id')}</dt><dd><a class="mono" href="#/grants/${encodeURIComponent(r.grant_id)}">${r.grant_id}</a></dd>` : ''}
      <dt>${t('ledger.tx')}</dt><dd>${txLink(r.ledger?.tx_id, r.ledger?.block)}</dd>
    </dl>`;
}

/** The buttons a request offers this user (tab: inbox | outbox | page). */
function requestActions(r, ctx, { side, grant, owner }) {
  const canDecide = side !== 'outbox' && r.status === 'pending' && ctx.can.manageDept(owner);
  const canWithdraw = side !== 'inbox' && r.status === 'pending' && ctx.can.actFor(r.requester_id);
  const canRevoke = side !== 'outbox' && grant && grant.status === 'active' && ctx.can.manageDept(owner);
  if (!canDecide && !canWithdraw && !canRevoke) return '';
  return html`<div class="actions">
      ${canDecide ? html`<button type="button" class="btn btn-primary" data-approve="${r.id}">${t('req.approve')}</button>
        <button type="button" class="btn btn-danger" data-reject="${r.id}">${t('req.reject')}</button>` : ''}
      ${canWithdraw ? html`<button type="button" class="btn" data-withdraw="${r.id}">${t('req.withdraw')}</button>` : ''}
      ${canRevoke ? html`<button type="button" class="btn btn-danger" data-revoke="${grant.id}">${t('grant.revoke')}</button>` : ''}
    </div>`;
}

function requestCard(r, ctx, tab, { grant, owner, catalogs }) {
  return html`<article class="card request-card" data-request="${r.id}" data-status="${r.status}">
    <header class="request-head"><h3 class="request-title">${catalogName(catalogs, r.catalog_id)}</h3> ${badge('status', r.status)}</header>
    ${requestProps(r, ctx, { side: tab, grant, owner })}
    <div class="card-foot">${requestActions(r, ctx, { side: tab, grant, owner })}
      <a class="request-link small" href="#/requests/${encodeURIComponent(r.id)}">${t('req.details')} <span class="mono muted">${r.id}</span></a></div>
  </article>`;
}

/**
 * Approve / reject / withdraw / revoke on whatever `host` shows. Each ends with a re-read of the
 * page, after a failure too: a refusal (409: someone else decided first) means the page is stale.
 */
function bindRequestActions(host, list, ctx) {
  const done = (res, key) => toast(() => t(key, { tx: shortId(res.tx_id, 12), block: res.block ?? '—' }), 'success');
  const attempt = async (task, key) => {
    try {
      done(await task(), key);
    } catch (err) {
      toastError(err);
    }
    ctx.refresh();
  };
  $$('[data-approve]', host).forEach((b) => b.addEventListener('click', async () => {
    const r = list.find((x) => x.id === b.dataset.approve);
    const values = await askDialog({
      title: t('req.approveTitle', { id: r.id }), confirm: t('req.approve'),
      message: t('req.approveMsg', { dept: deptLabel(ctx.depts, r.requester_id), items: itemsText(r.items) }),
      fields: [
        { name: 'reason', label: t('common.reason'), type: 'textarea', required: true },
        { name: 'valid_until', label: t('grant.validUntil'), type: 'date', check: 'future', value: String(r.requested_until || '').slice(0, 10), hint: t('req.validHint') },
      ],
    });
    if (!values) return;
    const body = { reason: values.reason };
    if (values.valid_until) body.valid_until = dateToIso(values.valid_until);
    await attempt(() => write(`/access-requests/${encodeURIComponent(r.id)}/approve`, body), 'req.approved');
  }));
  $$('[data-reject]', host).forEach((b) => b.addEventListener('click', async () => {
    const id = b.dataset.reject;
    const values = await askDialog({ title: t('req.rejectTitle', { id }), confirm: t('req.reject'), danger: true,
      fields: [{ name: 'reason', label: t('common.reason'), type: 'textarea', required: true }] });
    if (!values) return;
    await attempt(() => write(`/access-requests/${encodeURIComponent(id)}/reject`, { reason: values.reason }), 'req.rejected');
  }));
  $$('[data-withdraw]', host).forEach((b) => b.addEventListener('click', async () => {
    const id = b.dataset.withdraw;
    const values = await askDialog({ title: t('req.withdrawTitle', { id }), message: t('req.withdrawMsg'), confirm: t('req.withdraw'), danger: true });
    if (!values) return;
    await attempt(() => write(`/access-requests/${encodeURIComponent(id)}/withdraw`, {}), 'req.withdrawn');
  }));
  $$('[data-revoke]', host).forEach((b) => b.addEventListener('click', async () => {
    if (await revokeGrant(b.dataset.revoke)) ctx.refresh();
  }));
}

/** The grant of each approved request (id → grant), read in parallel; a failed read is no grant. */
async function grantsOf(list, ctx) {
  const grants = new Map();
  await Promise.all(list.filter((r) => r.status === 'approved').slice(0, 50).map(async (r) => {
    const id = r.grant_id || `grant-${r.id}`;
    try {
      grants.set(r.id, unwrap(await api(`/grants/${encodeURIComponent(id)}`, { signal: ctx.signal })));
    } catch {
      /* not fatal: the card simply shows no grant */
    }
  }));
  return grants;
}

async function requests(host, ctx, tab) {
  const query = { role: tab === 'inbox' ? 'incoming' : 'outgoing', status: ctx.query.status };
  const list = (await asMyDepartments('/access-requests', query, mineQuery(ctx)))
    .sort((a, b) => String(b.created_at || '').localeCompare(String(a.created_at || '')));
  if (!ctx.alive()) return;
  // The catalogs (their titles head the cards; their owners when a record lacks owner_id) and,
  // for approved incoming requests, their grants (so they can be revoked here).
  const [catalogs, grants] = await Promise.all([
    catalogsById(list.map((r) => r.catalog_id), { signal: ctx.signal }),
    tab === 'inbox' ? grantsOf(list, ctx) : new Map(),
  ]);
  if (!ctx.alive()) return;
  const ownerOf = (r) => r.owner_id || catalogs.get(r.catalog_id)?.department_id;
  mount(host, list.length ? html`<div class="cards" id="${tab}-list">${list.map((r) => requestCard(r, ctx, tab, {
    grant: grants.get(r.id), owner: ownerOf(r), catalogs,
  }))}</div>` : empty(tab === 'inbox' ? t('req.inboxEmpty') : t('req.outboxEmpty')));
  bindRequestActions(host, list, ctx);
}

/** #/requests/:id — one access request, what can be done with it, and its history. */
export async function renderRequest(main, ctx) {
  const [id] = ctx.params;
  const r = unwrap(await api(`/access-requests/${encodeURIComponent(id)}`, { signal: ctx.signal }));
  if (!ctx.alive()) return;
  const [catalogs, grants] = await Promise.all([catalogsById([r.catalog_id], { signal: ctx.signal }), grantsOf([r], ctx)]);
  if (!ctx.alive()) return;
  const catalog = catalogs.get(r.catalog_id);
  const owner = r.owner_id || catalog?.department_id;
  const grant = grants.get(r.id);
  const title = catalog ? bi(catalog.title) || r.catalog_id : r.catalog_id;
  ctx.setTitle(`${t('req.title')} · ${title}`);
  const mine = ctx.can.actFor(r.requester_id);
  mount(main, html`<nav class="crumbs" aria-label="${t('common.breadcrumb')}"><a href="#/access/${mine ? 'outbox' : 'inbox'}">${t('nav.access')}</a> ›
      ${t(`access.tab.${mine ? 'outbox' : 'inbox'}`)}</nav>
    <div class="page-head"><div><h1 tabindex="-1" id="request-title">${t('req.pageTitle', { title })}</h1>
      <p class="badges"><span class="mono muted">${r.id}</span> ${badge('status', r.status)}
        <a href="#/catalogs/${encodeURIComponent(r.catalog_id)}">${t('grant.catalog')} <span class="mono">${r.catalog_id}</span></a></p></div></div>
    <div class="grid grid-main">
      <section class="card request-card" data-request="${r.id}" data-status="${r.status}" aria-labelledby="request-title">
        ${requestProps(r, ctx, { side: 'page', grant, owner })}
        ${requestActions(r, ctx, { side: 'page', grant, owner })}
        ${ledgerMeta(r.ledger)}
      </section>
      <section class="card" aria-labelledby="hist-h"><h2 id="hist-h">${t('hist.title')}</h2><div id="entity-history">${t('common.loading')}</div></section>
    </div>
    ${evidenceCard(`/access-requests/${encodeURIComponent(r.id)}/evidence`, { what: t('ev.lead.request') })}`);
  bindRequestActions(main, [r], ctx);
  bindEvidence(main, ctx);
  await loadHistory($('#entity-history', main), `/access-requests/${encodeURIComponent(r.id)}/history`, ctx, { deptOf: () => '' });
}

// --- grants held -----------------------------------------------------------------------------

function checkHref(g) {
  return `#/access/check?department=${encodeURIComponent(g.grantee_id || '')}&catalog=${encodeURIComponent(g.catalog_id || '')}&item=${encodeURIComponent((g.items || [])[0] || '')}`;
}

async function grants(host, ctx) {
  const list = await asMyDepartments('/grants', {}, mineQuery(ctx));
  if (!ctx.alive()) return;
  const catalogs = await catalogsById(list.map((g) => g.catalog_id), { signal: ctx.signal });
  if (!ctx.alive()) return;
  mount(host, list.length ? html`<div class="card"><div class="table-wrap"><table id="held-grants"><thead><tr>
      <th scope="col">${t('grant.catalog')}</th><th scope="col" class="hide-sm">${t('grant.id')}</th><th scope="col" class="hide-sm">${t('grant.grantee')}</th>
      <th scope="col" class="hide-sm">${t('req.items')}</th><th scope="col">${t('grant.validUntil')}</th><th scope="col">${t('common.status')}</th>
      <th scope="col" class="hide-sm">${t('ledger.tx')}</th><th scope="col"><span class="sr-only">${t('common.actions')}</span></th></tr></thead>
    <tbody>${list.map((g) => {
    const days = daysUntil(g.valid_until);
    return html`<tr data-grant="${g.id}" data-status="${g.status}">
      <td>${catalogName(catalogs, g.catalog_id)}</td>
      <td class="hide-sm mono small"><a href="#/grants/${encodeURIComponent(g.id)}">${g.id}</a></td><td class="hide-sm">${deptLink(ctx.depts, g.grantee_id)}</td>
      <td class="hide-sm">${itemsText(g.items)}</td>
      <td class="grant-until"><span class="nowrap">${fmtDate(g.valid_until)}</span>${days !== null && days >= 0 && g.status === 'active' ? html` <span class="muted small nowrap">(${t('dash.daysLeft', { n: days })})</span>` : ''}</td>
      <td>${badge('status', g.status)}</td><td class="hide-sm">${txLink(g.ledger?.tx_id, g.ledger?.block)}</td>
      <td class="row-actions"><a class="btn btn-small" href="#/grants/${encodeURIComponent(g.id)}">${t('req.details')}</a>
        <a class="btn btn-small" href="${checkHref(g)}">${t('check.check')}</a></td></tr>`;
  })}</tbody></table></div></div>` : empty(t('grant.noneHeld')));
}

/** #/grants/:id — one grant, its use, and its history. */
export async function renderGrant(main, ctx) {
  const [id] = ctx.params;
  const g = unwrap(await api(`/grants/${encodeURIComponent(id)}`, { signal: ctx.signal }));
  if (!ctx.alive()) return;
  const catalogs = await catalogsById([g.catalog_id], { signal: ctx.signal });
  if (!ctx.alive()) return;
  const catalog = catalogs.get(g.catalog_id);
  const owner = g.owner_id || catalog?.department_id;
  const title = catalog ? bi(catalog.title) || g.catalog_id : g.catalog_id;
  ctx.setTitle(`${t('grant.title')} · ${title}`);
  const canRevoke = g.status === 'active' && ctx.can.manageDept(owner);
  const days = daysUntil(g.valid_until);
  mount(main, html`<nav class="crumbs" aria-label="${t('common.breadcrumb')}"><a href="#/access/grants">${t('nav.access')}</a> › ${t('access.tab.grants')}</nav>
    <div class="page-head"><div><h1 tabindex="-1" id="grant-title">${t('grant.pageTitle', { title })}</h1>
      <p class="badges"><span class="mono muted">${g.id}</span> ${badge('status', g.status)}</p></div>
      <div class="actions"><a class="btn" href="${checkHref(g)}">${t('check.check')}</a>
        ${canRevoke ? html`<button type="button" class="btn btn-danger" data-revoke="${g.id}">${t('grant.revoke')}</button>` : ''}</div></div>
    <div class="grid grid-main">
      <div>
        <section class="card grant-card" data-grant="${g.id}" data-status="${g.status}" aria-labelledby="grant-title">
          <dl class="props">
            <dt>${t('grant.catalog')}</dt><dd>${catalogName(catalogs, g.catalog_id)}</dd>
            <dt>${t('grant.grantee')}</dt><dd>${deptLink(ctx.depts, g.grantee_id)}</dd>
            <dt>${t('req.owner')}</dt><dd>${deptLink(ctx.depts, owner)}</dd>
            <dt>${t('req.items')}</dt><dd>${itemsLabel(g.items)}</dd>
            <dt>${t('grant.validFrom')}</dt><dd>${fmtDateTime(g.valid_from)}</dd>
            <dt>${t('grant.validUntil')}</dt><dd class="grant-until">${fmtDate(g.valid_until)}${days !== null && days >= 0 && g.status === 'active' ? html` <span class="muted small">(${t('dash.daysLeft', { n: days })})</span>` : ''}</dd>
            ${g.request_id ? html`<dt>${t('grant.request')}</dt><dd><a class="mono" href="#/requests/${encodeURIComponent(g.request_id)}">${g.request_id}</a></dd>` : ''}
            ${g.revoked ? html`<dt>${t('grant.revokedBy')}</dt><dd><span class="mono">${actorLabel(g.revoked.by)}</span> · ${fmtDateTime(g.revoked.at)}</dd>
              <dt>${t('common.reason')}</dt><dd>${g.revoked.reason || '—'}</dd>` : ''}
          </dl>
          ${ledgerMeta(g.ledger)}
        </section>
        ${evidenceCard(`/grants/${encodeURIComponent(g.id)}/evidence`, { what: t('ev.lead.grant') })}
        <section class="card" aria-labelledby="usage-h"><h2 id="usage-h">${t('grant.usage')}</h2><div id="grant-usage">${t('common.loading')}</div></section>
      </div>
      <section class="card" aria-labelledby="hist-h"><h2 id="hist-h">${t('hist.title')}</h2><div id="entity-history">${t('common.loading')}</div></section>
    </div>`);
  $$('[data-revoke]', main).forEach((b) => b.addEventListener('click', async () => {
    if (await revokeGrant(b.dataset.revoke)) ctx.refresh();
  }));
  bindEvidence(main, ctx);
  await Promise.all([
    loadHistory($('#entity-history', main), `/grants/${encodeURIComponent(g.id)}/history`, ctx, { deptOf: () => '' }),
    (async () => {
      const records = await listAll('/usage', { grant: g.id }, { signal: ctx.signal });
      if (!ctx.alive()) return;
      mount($('#grant-usage', main), usageTable(records));
    })().catch((err) => ctx.alive() && err?.name !== 'AbortError' && mount($('#grant-usage', main), errorBox(describeError(err)))),
  ]);
}

function usageTable(records) {
  if (!records.length) return empty(t('usage.none'));
  return html`<div class="table-wrap"><table class="usage-table"><thead><tr>
      <th scope="col">${t('common.id')}</th><th scope="col" class="hide-sm">${t('usage.grant')}</th><th scope="col" class="hide-sm">${t('req.items')}</th>
      <th scope="col">${t('usage.count')}</th><th scope="col" class="hide-sm">${t('usage.purposeRef')}</th><th scope="col">${t('ledger.tx')}</th></tr></thead>
      <tbody>${records.map((u) => html`<tr data-usage="${u.id}"><td class="mono small"><a href="#/usage/${encodeURIComponent(u.id)}">${u.id}</a></td><td class="hide-sm mono small"><a href="#/grants/${encodeURIComponent(u.grant_id)}">${u.grant_id}</a></td>
        <td class="hide-sm">${itemsText(u.items)}</td><td>${u.record_count}</td><td class="hide-sm">${u.purpose_ref}</td>
        <td>${txLink(u.ledger?.tx_id, u.ledger?.block)}</td></tr>`)}</tbody></table></div>`;
}

// --- usage -----------------------------------------------------------------------------------

/** #/usage/:id — one usage record, its provenance, evidence and history. */
export async function renderUsage(main, ctx) {
  const [id] = ctx.params;
  const u = unwrap(await api(`/usage/${encodeURIComponent(id)}`, { signal: ctx.signal }));
  if (!ctx.alive()) return;
  const catalogs = await catalogsById([u.catalog_id], { signal: ctx.signal });
  if (!ctx.alive()) return;
  const catalog = catalogs.get(u.catalog_id);
  const title = catalog ? bi(catalog.title) || u.catalog_id : u.catalog_id || u.id;
  ctx.setTitle(`${t('usage.pageTitle')} · ${u.id}`);
  mount(main, html`<nav class="crumbs" aria-label="${t('common.breadcrumb')}"><a href="#/access/usage">${t('nav.access')}</a> › ${t('access.tab.usage')}</nav>
    <div class="page-head"><div><h1 tabindex="-1" id="usage-title">${t('usage.pageTitle')}${title ? html`: ${title}` : ''}</h1>
      <p class="badges"><span class="mono muted">${u.id}</span></p></div></div>
    <div class="grid grid-main">
      <div>
        <section class="card usage-card" data-usage="${u.id}" aria-labelledby="usage-title">
          <dl class="props">
            ${u.catalog_id ? html`<dt>${t('grant.catalog')}</dt><dd>${catalogName(catalogs, u.catalog_id)}</dd>` : ''}
            <dt>${t('usage.grant')}</dt><dd>${u.grant_id ? html`<a class="mono" href="#/grants/${encodeURIComponent(u.grant_id)}">${u.grant_id}</a>` : '—'}</dd>
            <dt>${t('grant.grantee')}</dt><dd>${deptLink(ctx.depts, u.department_id || u.grantee_id)}</dd>
            <dt>${t('req.items')}</dt><dd>${itemsLabel(u.items)}</dd>
            <dt>${t('usage.count')}</dt><dd>${u.record_count ?? '—'}</dd>
            <dt>${t('usage.purposeRef')}</dt><dd>${u.purpose_ref || '—'}</dd>
            ${u.recorded_by || u.created_by ? html`<dt>${t('hist.who')}</dt><dd class="mono">${actorLabel(u.recorded_by || u.created_by)}</dd>` : ''}
            <dt>${t('usage.at')}</dt><dd>${fmtDateTime(u.at || u.created_at || u.ledger?.timestamp)}</dd>
          </dl>
          ${ledgerMeta(u.ledger)}
        </section>
        ${evidenceCard(`/usage/${encodeURIComponent(u.id)}/evidence`, { what: t('ev.lead.usage') })}
      </div>
      <section class="card" aria-labelledby="hist-h"><h2 id="hist-h">${t('hist.title')}</h2><div id="entity-history">${t('common.loading')}</div></section>
    </div>`);
  bindEvidence(main, ctx);
  await loadHistory($('#entity-history', main), `/usage/${encodeURIComponent(u.id)}/history`, ctx, { deptOf: () => '' });
}

async function usage(host, ctx) {
  const [records, held] = await Promise.all([
    asMyDepartments('/usage', {}, mineQuery(ctx)),
    asMyDepartments('/grants', {}, mineQuery(ctx)).catch(() => []),
  ]);
  if (!ctx.alive()) return;
  const active = held.filter((g) => !g.status || g.status === 'active');
  const catalogs = await catalogsById(active.map((g) => g.catalog_id), { signal: ctx.signal });
  if (!ctx.alive()) return;
  const grantOption = (g) => {
    const c = catalogs.get(g.catalog_id);
    return { value: g.id, label: `${c ? bi(c.title) || g.catalog_id : g.catalog_id} · ${g.id}` };
  };
  mount(host, html`<section class="card"><h2>${t('usage.record')}</h2>
      ${active.length ? html`<form class="form-grid" id="usage-form" novalidate>
        ${control({ id: 'u-grant', name: 'grant_id', label: t('usage.grant'), type: 'select', required: true,
    options: [{ value: '', label: t('common.choose') }, ...active.map(grantOption)] })}
        ${control({ id: 'u-items', name: 'items', label: t('req.items'), required: true, hint: t('usage.itemsHint') })}
        ${control({ id: 'u-purpose', name: 'purpose_ref', label: t('usage.purposeRef'), required: true })}
        ${control({ id: 'u-count', name: 'record_count', label: t('usage.count'), type: 'number', required: true, min: 0, value: '1' })}
        <div class="form-actions field-wide"><button type="submit" class="btn btn-primary">${t('usage.submit')}</button></div>
      </form>` : empty(t('usage.noGrants'))}</section>
    <section class="card"><h2>${t('usage.title')}</h2>${usageTable(records)}</section>`);
  const form = $('#usage-form', host);
  if (!form) return;
  const grantSelect = form.elements.grant_id;
  grantSelect.addEventListener('change', () => {
    const g = active.find((x) => x.id === grantSelect.value);
    if (g) form.elements.items.value = (g.items || []).join(', ');
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!checkForm(form)) return;
    const f = formValues(form);
    const g = active.find((x) => x.id === f.grant_id);
    const body = {
      grant_id: f.grant_id, department_id: g?.grantee_id, items: f.items.split(/[,，\s]+/).filter(Boolean),
      purpose_ref: f.purpose_ref, record_count: Number(f.record_count),
    };
    try {
      const res = await busy(form, () => write('/usage', body));
      toast(() => t('common.savedTx', { tx: shortId(res.tx_id, 12), block: res.block ?? '—' }), 'success');
      ctx.refresh();
    } catch (err) {
      toastError(err);
      ctx.refresh({ keepEdits: true }); // re-read the grants and records, keeping what was typed
    }
  });
}

// --- access check ----------------------------------------------------------------------------

/** The chaincode's CheckAccess reason (owner, grant, no-grant, expired, revoked, …) in words. */
const checkReason = (reason) => t(`check.reason.${reason}`, null, '') || t('check.reason.other', { code: reason });

async function check(host, ctx) {
  const catalogs = await listAll('/catalogs', {}, { signal: ctx.signal }).catch(() => []);
  if (!ctx.alive()) return;
  const q = ctx.query;
  mount(host, html`<section class="card"><h2>${t('check.title')}</h2><p class="muted">${t('check.lead')}</p>
    <form class="form-grid" id="check-form" novalidate>
      ${control({ id: 'k-dept', name: 'department', label: t('check.department'), type: 'select', required: true, value: q.department || (ctx.can.myDepartments()[0]?.id || ''),
    options: departmentOptions(ctx.deptList, { blank: t('common.choose') }) })}
      ${control({ id: 'k-catalog', name: 'catalog', label: t('check.catalog'), type: 'select', required: true, value: q.catalog || '',
    options: [{ value: '', label: t('common.choose') }, ...catalogs.map((c) => ({ value: c.id, label: `${bi(c.title) || c.id} (${c.id})` }))] })}
      ${control({ id: 'k-item', name: 'item', label: t('check.item'), type: 'select', required: true, options: [] })}
      <div class="form-actions field-wide"><button type="submit" class="btn btn-primary" id="check-submit">${t('check.check')}</button></div>
    </form><div id="check-result" aria-live="polite"></div></section>`);
  const form = $('#check-form', host);
  // Not form.elements.item: that is HTMLFormControlsCollection.item(), a method.
  const itemSelect = $('#k-item', form);
  const fillItems = (selected) => {
    const c = catalogs.find((x) => x.id === form.elements.catalog.value);
    mount(itemSelect, [{ name: '', label: t('common.choose') }, ...(c?.items || [])].map((it) => html`<option value="${it.name}"${it.name === selected ? ' selected' : ''}>${it.name ? `${it.name} ${itemTitle(it) ? `– ${itemTitle(it)}` : ''}` : it.label}</option>`));
    if (selected && !c?.items?.some((it) => it.name === selected)) {
      const option = document.createElement('option');
      option.value = selected;
      option.textContent = selected;
      option.selected = true;
      itemSelect.append(option);
    }
  };
  fillItems(q.item || '');
  form.elements.catalog.addEventListener('change', () => fillItems(''));
  const result = $('#check-result', host);
  const run = async () => {
    const f = formValues(form);
    try {
      const json = await busy(form, () => api('/access-check', { query: { department: f.department, catalog: f.catalog, item: f.item } }));
      const r = unwrap(json) || {};
      mount(result, html`<div class="check-result ${r.allowed ? 'allowed' : 'denied'}" id="check-verdict" data-allowed="${String(Boolean(r.allowed))}"
          data-reason="${r.reason || ''}">
        <strong>${r.allowed ? t('check.allowed') : t('check.denied')}</strong>
        ${r.reason ? html`<p>${t('common.reason')}: <span class="check-reason">${checkReason(r.reason)}</span></p>` : ''}
        ${r.grant_id ? html`<p>${t('grant.id')}: <a class="mono" href="#/grants/${encodeURIComponent(r.grant_id)}">${r.grant_id}</a></p>` : ''}</div>`);
    } catch (err) {
      mount(result, errorBox(describeError(err)));
    }
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (checkForm(form)) run();
  });
  if (q.department && q.catalog && q.item) run();
}
