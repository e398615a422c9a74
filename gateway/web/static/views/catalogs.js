// Catalogs: searchable list, detail (items, responsibilities, history, grants), request form, editor.
import { t, bi } from '../i18n.js';
import { api, unwrap, getPage, listAll, write, describeError } from '../api.js';
import {
  html, raw, mount, badge, ledgerMeta, deptLink, deptLabel, errorBox, empty, fmtDate, fmtDateTime, txLink,
  control, checkForm, formValues, busy, toast, toastError, askDialog, $, $$, shortId, dateToIso, addDays, today,
} from '../ui.js';
import {
  departmentOptions, enumOptions, itemTitle, itemsText, loadHistory, sameValue, SHARE_TYPES, CATALOG_STATUSES, SENSITIVITIES, OPEN_TYPES,
  UPDATE_FREQUENCIES,
} from './common.js';
import { evidenceCard, bindEvidence } from './evidence.js';

const PAGE_SIZE = 20;
const ITEM_TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'datetime', 'geo', 'binary'];

// The editor's item rows as the user left them when a save failed, so the re-read keeps them
// ({key: the form's hash, items}); only set when the user had changed the items.
let itemDraft = null;

// Bookmarks of the pages before the current one, per filter set: "previous" needs them.
let trail = { key: '', bookmarks: [] };

const FILTERS = ['q', 'department', 'share_type', 'status', 'tag'];

function listHash(filters, bookmark) {
  const params = new URLSearchParams();
  for (const k of FILTERS) if (filters[k]) params.set(k, filters[k]);
  if (bookmark) params.set('bookmark', bookmark);
  const qs = params.toString();
  return `#/catalogs${qs ? `?${qs}` : ''}`;
}

export async function renderList(main, ctx) {
  ctx.setTitle(t('nav.catalogs'));
  const filters = Object.fromEntries(FILTERS.map((k) => [k, ctx.query[k] || '']));
  const bookmark = ctx.query.bookmark || '';
  const key = JSON.stringify(filters);
  if (trail.key !== key) trail = { key, bookmarks: [] };
  mount(main, html`<div class="page-head"><h1 tabindex="-1">${t('cat.title')}</h1>
      ${ctx.can.myDepartments().some((d) => ctx.can.manageDept(d.id)) ? html`<a class="btn" href="#/catalogs/new">${t('cat.new')}</a>` : ''}</div>
    <form class="card filters" id="cat-filters" role="search" novalidate>
      ${control({ id: 'f-q', name: 'q', label: t('cat.search'), type: 'search', value: filters.q, placeholder: t('cat.searchPlaceholder') })}
      ${control({ id: 'f-dept', name: 'department', label: t('cat.department'), type: 'select', value: filters.department,
    options: departmentOptions(ctx.deptList, { blank: t('common.all') }) })}
      ${control({ id: 'f-share', name: 'share_type', label: t('cat.shareType'), type: 'select', value: filters.share_type,
    options: enumOptions('share', SHARE_TYPES, t('common.all')) })}
      ${control({ id: 'f-status', name: 'status', label: t('common.status'), type: 'select', value: filters.status,
    options: enumOptions('status', CATALOG_STATUSES, t('common.all')) })}
      ${control({ id: 'f-tag', name: 'tag', label: t('cat.tag'), value: filters.tag })}
      <div class="form-actions"><button type="submit" class="btn btn-primary" id="cat-search">${t('cat.searchBtn')}</button>
        <a class="btn" href="#/catalogs">${t('common.reset')}</a></div>
    </form>
    <section class="card" aria-labelledby="results-h" aria-live="polite"><h2 id="results-h" class="sr-only">${t('cat.results')}</h2>
      <div id="cat-results">${t('common.loading')}</div></section>`);
  $('#cat-filters', main).addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.navigate(listHash(formValues(ev.target), ''));
  });
  const host = $('#cat-results', main);
  let page;
  try {
    page = await getPage('/catalogs', { ...filters, page_size: PAGE_SIZE, bookmark }, { signal: ctx.signal });
  } catch (err) {
    if (ctx.alive()) mount(host, errorBox(describeError(err)));
    return;
  }
  if (!ctx.alive()) return;
  const pageNo = trail.bookmarks.length + 1;
  mount(host, html`${page.items.length ? html`<div class="table-wrap"><table id="catalog-table">
      <thead><tr><th scope="col">${t('cat.titleCol')}</th><th scope="col" class="hide-sm">${t('cat.department')}</th><th scope="col">${t('cat.shareType')}</th>
        <th scope="col">${t('common.status')}</th><th scope="col" class="hide-sm">${t('cat.tags')}</th><th scope="col" class="hide-sm">${t('cat.version')}</th>
        <th scope="col" class="hide-sm">${t('common.updated')}</th></tr></thead>
      <tbody>${page.items.map((c) => html`<tr data-catalog="${c.id}">
        <td><a href="#/catalogs/${encodeURIComponent(c.id)}">${bi(c.title) || c.id}</a><div class="mono muted small">${c.id}</div></td>
        <td class="hide-sm">${deptLabel(ctx.depts, c.department_id)}</td><td>${badge('share', c.share_type)}</td><td>${badge('status', c.status)}</td>
        <td class="hide-sm">${(c.tags || []).map((tag) => html`<span class="tag">${tag}</span> `)}</td><td class="hide-sm">${c.version ?? ''}</td>
        <td class="hide-sm nowrap">${fmtDate(c.updated_at)}</td></tr>`)}</tbody></table></div>` : empty(t('cat.noMatch'))}
    <div class="pager"><button type="button" class="btn" id="pg-prev" ${pageNo > 1 ? '' : 'disabled'}>${t('common.prev')}</button>
      <span>${t('common.page', { n: pageNo })} · ${t('common.shown', { n: page.items.length })}</span>
      <button type="button" class="btn" id="pg-next" ${page.bookmark ? '' : 'disabled'}>${t('common.next')}</button></div>`);
  $('#pg-next', host).addEventListener('click', () => {
    trail.bookmarks.push(bookmark);
    ctx.navigate(listHash(filters, page.bookmark));
  });
  $('#pg-prev', host).addEventListener('click', () => {
    const previous = trail.bookmarks.pop() || '';
    ctx.navigate(listHash(filters, previous));
  });
}

// --- detail ----------------------------------------------------------------------------------

function grantsTable(grants, ctx, catalog) {
  if (!grants.length) return empty(t('grant.none'));
  const manage = ctx.can.manageDept(catalog.department_id);
  return html`<div class="table-wrap"><table id="grant-table"><thead><tr><th scope="col" class="hide-sm">${t('grant.id')}</th><th scope="col">${t('grant.grantee')}</th>
    <th scope="col" class="hide-sm">${t('req.items')}</th><th scope="col">${t('grant.validUntil')}</th><th scope="col" class="hide-sm">${t('common.status')}</th>
    <th scope="col" class="hide-sm">${t('ledger.tx')}</th>${manage ? html`<th scope="col"><span class="sr-only">${t('common.actions')}</span></th>` : ''}</tr></thead>
    <tbody>${grants.map((g) => html`<tr data-grant="${g.id}"><td class="mono small hide-sm"><a href="#/grants/${encodeURIComponent(g.id)}">${g.id}</a></td>
      <td>${deptLink(ctx.depts, g.grantee_id)}<div class="show-sm small"><a class="mono" href="#/grants/${encodeURIComponent(g.id)}">${g.id}</a>
        ${badge('status', g.status)}</div></td>
      <td class="hide-sm">${itemsText(g.items)}</td><td class="nowrap">${fmtDate(g.valid_until)}</td><td class="hide-sm">${badge('status', g.status)}</td>
      <td class="hide-sm">${txLink(g.ledger?.tx_id, g.ledger?.block)}</td>
      ${manage ? html`<td>${g.status === 'active' ? html`<button type="button" class="btn btn-small btn-danger" data-revoke="${g.id}">${t('grant.revoke')}</button>` : ''}</td>` : ''}</tr>`)}</tbody></table></div>`;
}

/**
 * Asks for a reason and revokes. True when a revocation was sent — whether it succeeded or
 * failed, the caller re-reads what it shows (a failure may mean someone else changed it).
 */
export async function revokeGrant(id) {
  const values = await askDialog({
    title: t('grant.revokeTitle', { id }), danger: true, confirm: t('grant.revoke'),
    fields: [{ name: 'reason', label: t('common.reason'), type: 'textarea', required: true }],
  });
  if (!values) return false;
  try {
    const res = await write(`/grants/${encodeURIComponent(id)}/revoke`, { reason: values.reason });
    toast(() => t('grant.revoked', { tx: shortId(res.tx_id, 12) }), 'success');
  } catch (err) {
    toastError(err);
  }
  return true;
}

export async function renderDetail(main, ctx) {
  const [id] = ctx.params;
  const path = `/catalogs/${encodeURIComponent(id)}`;
  const c = unwrap(await api(path, { signal: ctx.signal }));
  if (!ctx.alive()) return;
  ctx.setTitle(bi(c.title) || c.id);
  const owner = ctx.can.manageDept(c.department_id);
  const requestable = c.status === 'published' && c.share_type !== 'none' && ctx.can.myDepartments().some((d) => d.id !== c.department_id);
  mount(main, html`<nav class="crumbs" aria-label="${t('common.breadcrumb')}"><a href="#/catalogs">${t('nav.catalogs')}</a> › ${deptLink(ctx.depts, c.department_id)}</nav>
    <div class="page-head">
      <div><h1 tabindex="-1" id="catalog-title">${bi(c.title) || c.id}</h1>
        <p class="badges"><span class="mono muted">${c.id}</span> ${badge('share', c.share_type)} ${badge('status', c.status)}
          ${c.open_type ? badge('open', c.open_type) : ''} <span class="muted">${t('cat.version')} ${c.version ?? '?'}</span></p></div>
      <div class="actions">
        ${requestable ? html`<a class="btn btn-primary" id="request-access" href="#/catalogs/${encodeURIComponent(c.id)}/request">${t('req.requestAccess')}</a>` : ''}
        ${owner ? html`<a class="btn" href="#/catalogs/${encodeURIComponent(c.id)}/edit">${t('common.edit')}</a>` : ''}
        ${owner && c.status === 'draft' ? html`<button type="button" class="btn" id="cat-publish">${t('cat.publish')}</button>` : ''}
        ${owner && c.status === 'published' ? html`<button type="button" class="btn btn-danger" id="cat-deprecate">${t('cat.deprecate')}</button>` : ''}
      </div>
    </div>
    <div class="grid grid-main">
      <div>
        <section class="card"><h2>${t('cat.overview')}</h2>
          ${c.description ? html`<p>${bi(c.description) || c.description}</p>` : ''}
          <dl class="props">
            <dt>${t('cat.department')}</dt><dd>${deptLink(ctx.depts, c.department_id)}</dd>
            <dt>${t('cat.shareType')}</dt><dd>${badge('share', c.share_type)}</dd>
            ${c.share_conditions ? html`<dt>${t('cat.shareConditions')}</dt><dd>${c.share_conditions}</dd>` : ''}
            <dt>${t('cat.openType')}</dt><dd>${c.open_type ? t(`open.${c.open_type}`, null, c.open_type) : '—'}</dd>
            <dt>${t('cat.updateFrequency')}</dt><dd>${c.update_frequency ? t(`freq.${c.update_frequency}`, null, c.update_frequency) : '—'}</dd>
            <dt>${t('cat.format')}</dt><dd>${c.format || '—'}</dd>
            <dt>${t('cat.sourceSystem')}</dt><dd>${c.source_system || '—'}</dd>
            <dt>${t('cat.endpoint')}</dt><dd class="mono break">${c.endpoint || '—'}</dd>
            <dt>${t('cat.schemaHash')}</dt><dd class="mono break">${c.schema_hash || '—'}</dd>
            <dt>${t('cat.resourceCode')}</dt><dd class="mono" id="cat-resource-code">${c.resource_code || '—'}</dd>
            <dt>${t('cat.classification')}</dt><dd>${c.classification ? `${t(`class.${c.classification.kind}`, null, c.classification.kind)} · ${c.classification.path.join(' / ')}` : '—'}</dd>
            <dt>${t('cat.shareMethod')}</dt><dd>${c.share_method ? t(`shareMethod.${c.share_method}`, null, c.share_method) : '—'}</dd>
            ${c.no_share_basis ? html`<dt>${t('cat.noShareBasis')}</dt><dd id="cat-no-share-basis">${c.no_share_basis}</dd>` : ''}
            <dt>${t('cat.releasedAt')}</dt><dd>${c.released_at || '—'}</dd>
            ${(c.related_codes || []).length ? html`<dt>${t('cat.relatedCodes')}</dt><dd class="mono">${c.related_codes.join(', ')}</dd>` : ''}
            <dt>${t('cat.tags')}</dt><dd>${(c.tags || []).length ? c.tags.map((tag) => html`<a class="tag" href="#/catalogs?tag=${encodeURIComponent(tag)}">${tag}</a> `) : '—'}</dd>
            <dt>${t('common.created')}</dt><dd>${fmtDateTime(c.created_at)}</dd>
            <dt>${t('common.updated')}</dt><dd>${fmtDateTime(c.updated_at)}</dd>
          </dl>
          ${ledgerMeta(c.ledger)}
        </section>
        ${evidenceCard(`${path}/evidence`, { what: t('ev.lead.catalog') })}
        <section class="card" aria-labelledby="items-h"><h2 id="items-h">${t('cat.items')} <span class="muted">(${(c.items || []).length})</span></h2>
          ${(c.items || []).length ? html`<div class="table-wrap"><table id="items-table"><thead><tr><th scope="col">${t('item.name')}</th><th scope="col">${t('item.title')}</th>
            <th scope="col">${t('item.type')}</th><th scope="col">${t('item.sensitivity')}</th><th scope="col" class="hide-sm">${t('common.description')}</th></tr></thead>
            <tbody>${c.items.map((it) => html`<tr><td class="mono">${it.name}</td><td>${itemTitle(it)}</td><td>${t(`type.${it.type}`, null, it.type || '')}</td>
              <td>${badge('sensitivity', it.sensitivity)}</td><td class="hide-sm">${it.description || ''}</td></tr>`)}</tbody></table></div>` : empty(t('cat.noItems'))}
        </section>
        <section class="card" aria-labelledby="resp-h"><h2 id="resp-h">${t('resp.title')}</h2><div id="cat-resps">${t('common.loading')}</div></section>
        <section class="card" aria-labelledby="grants-h"><h2 id="grants-h">${t('grant.onCatalog')}</h2><div id="cat-grants">${t('common.loading')}</div></section>
      </div>
      <section class="card" aria-labelledby="hist-h"><h2 id="hist-h">${t('hist.title')}</h2><div id="cat-history">${t('common.loading')}</div></section>
    </div>`);

  bindEvidence(main, ctx);
  const act = async (button, verb, body) => {
    try {
      const res = await busy(button.parentElement, () => write(`${path}/${verb}`, body));
      toast(() => t('common.savedTx', { tx: shortId(res.tx_id, 12), block: res.block ?? '—' }), 'success');
    } catch (err) {
      toastError(err);
    }
    ctx.refresh(); // after a failure too: what the page shows may be stale
  };
  $('#cat-publish', main)?.addEventListener('click', (ev) => act(ev.currentTarget, 'publish', {}));
  $('#cat-deprecate', main)?.addEventListener('click', async (ev) => {
    const button = ev.currentTarget;
    const values = await askDialog({ title: t('cat.deprecateTitle'), danger: true, confirm: t('cat.deprecate'),
      fields: [{ name: 'reason', label: t('common.reason'), type: 'textarea' }] });
    if (values) act(button, 'deprecate', values.reason ? { reason: values.reason } : {});
  });

  // The three secondary sections load side by side; each reports its own failure.
  const sections = [
    (async () => {
      const ids = c.responsibility_ids || [];
      const list = await Promise.all(ids.map((rid) => api(`/responsibilities/${encodeURIComponent(rid)}`, { signal: ctx.signal })
        .then(unwrap).catch(() => ({ id: rid, missing: true }))));
      if (!ctx.alive()) return;
      mount($('#cat-resps', main), list.length ? html`<ul class="plain-list">${list.map((r) => html`<li>${r.missing
        ? html`<span class="mono">${r.id}</span>` : html`<span class="mono">${r.code}</span> ${bi(r.title)} ${r.status !== 'active' ? badge('status', r.status) : ''}
          ${r.legal_basis ? html`<div class="muted small">${t('resp.legalBasis')}: ${r.legal_basis}</div>` : ''}`}</li>`)}</ul>` : empty(t('resp.noneLinked')));
    })().catch((err) => ctx.alive() && mount($('#cat-resps', main), errorBox(describeError(err)))),
    (async () => {
      const grants = await listAll('/grants', { catalog: c.id }, { signal: ctx.signal });
      if (!ctx.alive()) return;
      const host = $('#cat-grants', main);
      mount(host, grantsTable(grants, ctx, c));
      for (const b of $$('[data-revoke]', host)) {
        b.addEventListener('click', async () => {
          if (await revokeGrant(b.dataset.revoke)) ctx.refresh();
        });
      }
    })().catch((err) => ctx.alive() && mount($('#cat-grants', main), errorBox(describeError(err)))),
    loadHistory($('#cat-history', main), `${path}/history`, ctx),
  ];
  await Promise.all(sections);
}

// --- access request form ----------------------------------------------------------------------

export async function renderRequest(main, ctx) {
  const [id] = ctx.params;
  const c = unwrap(await api(`/catalogs/${encodeURIComponent(id)}`, { signal: ctx.signal }));
  if (!ctx.alive()) return;
  ctx.setTitle(t('req.requestAccess'));
  const mine = ctx.can.myDepartments().filter((d) => d.id !== c.department_id && (!d.status || d.status === 'active'));
  mount(main, html`<nav class="crumbs" aria-label="${t('common.breadcrumb')}"><a href="#/catalogs">${t('nav.catalogs')}</a> ›
      <a href="#/catalogs/${encodeURIComponent(c.id)}">${bi(c.title) || c.id}</a></nav>
    <h1 tabindex="-1">${t('req.requestAccess')}: ${bi(c.title) || c.id}</h1>
    <div class="alert ${c.share_type === 'conditional' ? 'alert-info' : c.share_type === 'none' ? 'alert-warn' : 'alert-ok'}">
      ${badge('share', c.share_type)} ${t(`req.shareNote.${c.share_type}`, null, '')}
      ${c.share_conditions ? html`<div><strong>${t('cat.shareConditions')}:</strong> ${c.share_conditions}</div>` : ''}</div>
    ${mine.length ? '' : html`<div class="alert alert-warn">${t('req.noDepartment')}</div>`}
    <form class="card form-grid" id="request-form" novalidate>
      ${control({ id: 'rq-requester', name: 'requester_id', label: t('req.requester'), type: 'select', required: true,
    value: mine.length === 1 ? mine[0].id : '', options: departmentOptions(mine, { blank: t('common.choose') }) })}
      ${control({ id: 'rq-until', name: 'requested_until', label: t('req.until'), type: 'date', required: true, check: 'future',
    value: addDays(90), min: today() })}
      <fieldset class="field-wide items-fieldset" id="rq-items" aria-describedby="rq-items-err">
        <legend>${t('req.items')}<span class="req" aria-hidden="true"> *</span></legend>
        <p><button type="button" class="btn btn-small" id="rq-all">${t('req.selectAll')}</button></p>
        ${(c.items || []).map((it, i) => html`<div class="field-check"><input type="checkbox" id="rq-item-${i}" name="items" value="${it.name}">
          <label for="rq-item-${i}"><span class="mono">${it.name}</span> ${itemTitle(it)} ${badge('sensitivity', it.sensitivity)}</label></div>`)}
        <p class="field-error" id="rq-items-err" hidden></p>
      </fieldset>
      ${control({ id: 'rq-purpose', name: 'purpose', label: t('req.purpose'), type: 'textarea', required: true, wide: true, hint: t('req.purposeHint') })}
      ${control({ id: 'rq-legal', name: 'legal_basis', label: t('req.legalBasis'), required: true, wide: true })}
      <div class="form-actions field-wide"><a class="btn" href="#/catalogs/${encodeURIComponent(c.id)}">${t('common.cancel')}</a>
        <button type="submit" class="btn btn-primary" id="rq-submit">${t('req.submit')}</button></div>
    </form>`);
  const form = $('#request-form', main);
  $('#rq-all', form).addEventListener('click', () => $$('input[name=items]', form).forEach((b) => { b.checked = true; }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const itemsError = $('#rq-items-err', form);
    const ok = checkForm(form);
    const f = formValues(form);
    const noItems = !(f.items || []).length;
    itemsError.textContent = noItems ? t('req.pickItems') : '';
    itemsError.hidden = !noItems;
    if (!ok) return;
    if (noItems) {
      $('input[name=items]', form)?.focus();
      return;
    }
    const body = {
      requester_id: f.requester_id, catalog_id: c.id, items: f.items, purpose: f.purpose,
      legal_basis: f.legal_basis, requested_until: dateToIso(f.requested_until),
    };
    try {
      const res = await busy(form, () => write('/access-requests', body));
      const granted = res.data?.grant;
      toast(() => (granted ? t('req.grantedAtOnce', { tx: shortId(res.tx_id, 12) }) : t('req.filed', { tx: shortId(res.tx_id, 12) })), 'success');
      ctx.navigate('#/access/outbox');
    } catch (err) {
      toastError(err);
      ctx.refresh({ keepEdits: true }); // re-read the catalog (it may have changed), keeping the form's input
    }
  });
}

// --- catalog editor ---------------------------------------------------------------------------

/** Items without their empty fields ('' or null), keys in one order: as the editor sends and compares them. */
const compactItems = (list) => list.map((it) => Object.fromEntries(Object.entries(it)
  .filter(([, v]) => v !== '' && v !== null && v !== undefined).sort(([a], [b]) => a.localeCompare(b))));

function itemRow(it, i) {
  const title = typeof it.title === 'object' && it.title ? bi(it.title) : it.title || '';
  return html`<fieldset class="item-row" data-row="${i}"><legend class="sr-only">${t('cat.item')} ${i + 1}</legend>
    ${control({ id: `it-name-${i}`, name: `item_name_${i}`, label: t('item.name'), required: true, value: it.name, placeholder: 'e.g. household_id' })}
    ${control({ id: `it-title-${i}`, name: `item_title_${i}`, label: t('item.title'), required: true, value: title })}
    ${control({ id: `it-type-${i}`, name: `item_type_${i}`, label: t('item.type'), type: 'select', value: it.type || 'string',
    options: ITEM_TYPES.map((v) => ({ value: v, label: t(`type.${v}`) })) })}
    ${control({ id: `it-sens-${i}`, name: `item_sensitivity_${i}`, label: t('item.sensitivity'), type: 'select', value: it.sensitivity || 'internal',
    options: enumOptions('sensitivity', SENSITIVITIES) })}
    ${control({ id: `it-desc-${i}`, name: `item_description_${i}`, label: t('common.description'), value: it.description })}
    <button type="button" class="btn btn-small btn-danger item-remove" data-remove="${i}" aria-label="${t('cat.removeItem', { n: i + 1 })}">${t('common.remove')}</button>
  </fieldset>`;
}

const SHARE_METHODS = ['interface', 'file_download', 'online_query', 'exchange'];
const CLASS_KINDS = ['base', 'theme', 'department'];

export async function renderForm(main, ctx) {
  const editing = ctx.params[0] !== undefined;
  let c = { items: [{ name: '', title: '', type: 'string', sensitivity: 'internal' }], tags: [], responsibility_ids: [], share_type: 'conditional' };
  if (editing) c = unwrap(await api(`/catalogs/${encodeURIComponent(ctx.params[0])}`, { signal: ctx.signal }));
  if (!ctx.alive()) return;
  const manageable = ctx.can.myDepartments().filter((d) => ctx.can.manageDept(d.id));
  const deptId = editing ? c.department_id : ctx.query.department || (manageable.length === 1 ? manageable[0].id : '');
  const title = editing ? t('cat.editTitle', { id: c.id }) : t('cat.new');
  ctx.setTitle(title);
  let items = (c.items || []).map((it) => ({ ...it }));
  if (itemDraft?.key === location.hash) items = itemDraft.items;
  itemDraft = null;
  mount(main, html`<nav class="crumbs" aria-label="${t('common.breadcrumb')}"><a href="#/catalogs">${t('nav.catalogs')}</a>
      ${editing ? html` › <a href="#/catalogs/${encodeURIComponent(c.id)}">${bi(c.title) || c.id}</a>` : ''}</nav>
    <h1 tabindex="-1">${title}</h1>
    ${editing && !ctx.can.manageDept(c.department_id) ? html`<div class="alert alert-warn">${t('perm.deptAdminOnly')}</div>` : ''}
    <form class="card form-grid" id="catalog-form" novalidate>
      ${editing ? html`<p class="mono field-wide">${c.id} · ${t('cat.version')} ${c.version}</p>`
    : control({ id: 'c-id', name: 'id', label: t('common.id'), required: true, check: 'slug', hint: t('v.slugHint') })}
      ${control({ id: 'c-dept', name: 'department_id', label: t('cat.department'), type: 'select', required: true, value: deptId, disabled: editing,
    options: departmentOptions(editing ? ctx.deptList : manageable, { blank: t('common.choose') }) })}
      ${control({ id: 'c-title-zh', name: 'title_zh', label: t('common.titleZh'), required: true, value: c.title?.zh, lang: 'zh-CN' })}
      ${control({ id: 'c-title-en', name: 'title_en', label: t('common.titleEn'), required: true, value: c.title?.en, lang: 'en' })}
      ${control({ id: 'c-desc', name: 'description', label: t('common.description'), type: 'textarea', value: typeof c.description === 'object' ? bi(c.description) : c.description, wide: true })}
      ${control({ id: 'c-share', name: 'share_type', label: t('cat.shareType'), type: 'select', required: true, value: c.share_type, options: enumOptions('share', SHARE_TYPES) })}
      ${control({ id: 'c-conditions', name: 'share_conditions', label: t('cat.shareConditions'), value: c.share_conditions, hint: t('cat.conditionsHint') })}
      ${control({ id: 'c-basis', name: 'no_share_basis', label: t('cat.noShareBasis'), value: c.no_share_basis, hint: t('cat.noShareBasisHint') })}
      ${control({ id: 'c-method', name: 'share_method', label: t('cat.shareMethod'), type: 'select', value: c.share_method,
    options: [{ value: '', label: t('common.choose') }, ...SHARE_METHODS.map((v) => ({ value: v, label: t(`shareMethod.${v}`) }))] })}
      ${control({ id: 'c-code', name: 'resource_code', label: t('cat.resourceCode'), value: c.resource_code, hint: t('cat.resourceCodeHint') })}
      ${control({ id: 'c-class-kind', name: 'class_kind', label: t('cat.classKind'), type: 'select', value: c.classification?.kind,
    options: [{ value: '', label: t('common.choose') }, ...CLASS_KINDS.map((v) => ({ value: v, label: t(`class.${v}`) }))] })}
      ${control({ id: 'c-class-path', name: 'class_path', label: t('cat.classPath'), value: (c.classification?.path || []).join(' / '), hint: t('cat.classPathHint') })}
      ${control({ id: 'c-released', name: 'released_at', label: t('cat.releasedAt'), type: 'date', value: c.released_at })}
      ${control({ id: 'c-related', name: 'related_codes', label: t('cat.relatedCodes'), value: (c.related_codes || []).join(', '), hint: t('cat.relatedCodesHint'), wide: true })}
      ${control({ id: 'c-open', name: 'open_type', label: t('cat.openType'), type: 'select', required: true, value: c.open_type, options: enumOptions('open', OPEN_TYPES) })}
      ${control({ id: 'c-freq', name: 'update_frequency', label: t('cat.updateFrequency'), type: 'select', required: true, value: c.update_frequency, options: enumOptions('freq', UPDATE_FREQUENCIES) })}
      ${control({ id: 'c-format', name: 'format', label: t('cat.format'), value: c.format })}
      ${control({ id: 'c-source', name: 'source_system', label: t('cat.sourceSystem'), value: c.source_system })}
      ${control({ id: 'c-endpoint', name: 'endpoint', label: t('cat.endpoint'), value: c.endpoint })}
      ${control({ id: 'c-hash', name: 'schema_hash', label: t('cat.schemaHash'), value: c.schema_hash })}
      ${control({ id: 'c-tags', name: 'tags', label: t('cat.tags'), value: (c.tags || []).join(', '), hint: t('cat.tagsHint'), wide: true })}
      <fieldset class="field-wide" id="c-resps"><legend>${t('resp.title')}</legend><div id="c-resps-list">${t('common.loading')}</div></fieldset>
      <fieldset class="field-wide"><legend>${t('cat.items')}<span class="req" aria-hidden="true"> *</span></legend>
        <div id="c-items"></div><button type="button" class="btn btn-small" id="c-add-item">${t('cat.addItem')}</button></fieldset>
      <div class="form-actions field-wide"><a class="btn" href="${editing ? `#/catalogs/${encodeURIComponent(c.id)}` : '#/catalogs'}">${t('common.cancel')}</a>
        <button type="submit" class="btn btn-primary">${t('common.save')}</button></div>
    </form>`);
  const form = $('#catalog-form', main);
  const itemsHost = $('#c-items', form);

  // Keep typed values when rows are added or removed.
  const readItems = () => items.map((_, i) => ({
    name: form.elements[`item_name_${i}`]?.value.trim() || '',
    title: form.elements[`item_title_${i}`]?.value.trim() || '',
    type: form.elements[`item_type_${i}`]?.value || 'string',
    sensitivity: form.elements[`item_sensitivity_${i}`]?.value || 'internal',
    description: form.elements[`item_description_${i}`]?.value.trim() || '',
  }));
  const paintItems = () => {
    mount(itemsHost, items.map((it, i) => itemRow(it, i)));
    $$('[data-remove]', itemsHost).forEach((b) => b.addEventListener('click', () => {
      items = readItems();
      items.splice(Number(b.dataset.remove), 1);
      paintItems();
    }));
  };
  paintItems();
  const renderedItems = JSON.stringify(readItems());
  $('#c-add-item', form).addEventListener('click', () => {
    items = [...readItems(), { name: '', title: '', type: 'string', sensitivity: 'internal' }];
    paintItems();
    form.elements[`item_name_${items.length - 1}`].focus();
  });

  const loadResps = async (dept) => {
    const host = $('#c-resps-list', form);
    if (!dept) return mount(host, empty(t('cat.pickDeptFirst')));
    try {
      const list = await listAll(`/departments/${encodeURIComponent(dept)}/responsibilities`);
      if (!ctx.alive()) return undefined;
      const chosen = new Set(c.responsibility_ids || []);
      return mount(host, list.length ? list.map((r, i) => html`<div class="field-check"><input type="checkbox" id="c-resp-${i}" name="responsibility_ids" value="${r.id}"${chosen.has(r.id) ? raw(' checked') : ''}>
        <label for="c-resp-${i}"><span class="mono">${r.code}</span> ${bi(r.title)}</label></div>`) : empty(t('resp.none')));
    } catch (err) {
      return mount(host, errorBox(describeError(err)));
    }
  };
  loadResps(deptId);
  form.elements.department_id.addEventListener('change', (ev) => loadResps(ev.target.value));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const ok = checkForm(form, (f) => {
      const bad = {};
      if (f.elements.share_type.value === 'conditional' && !f.elements.share_conditions.value.trim()) bad.share_conditions = t('cat.conditionsRequired');
      if (f.elements.share_type.value === 'none' && !f.elements.no_share_basis.value.trim()) bad.no_share_basis = t('cat.noShareBasisRequired');
      if (f.elements.resource_code.value.trim() && !f.elements.class_kind.value) bad.class_kind = t('cat.codeNeedsClass');
      const names = readItems().map((it) => it.name);
      names.forEach((n, i) => {
        if (n && names.indexOf(n) !== i) bad[`item_name_${i}`] = t('cat.duplicateItem');
      });
      return bad;
    });
    if (!ok) return;
    if (!items.length) {
      toast(() => t('cat.needItem'), 'error');
      return;
    }
    const f = formValues(form);
    const body = {
      title: { zh: f.title_zh, en: f.title_en },
      description: f.description,
      responsibility_ids: f.responsibility_ids || [],
      items: compactItems(readItems().map((it) => {
        // A bilingual item title shows in one language: left as it was, it stays bilingual.
        const before = (c.items || []).find((x) => x.name === it.name);
        return before && typeof before.title === 'object' && before.title && bi(before.title) === it.title ? { ...it, title: before.title } : it;
      })),
      share_type: f.share_type,
      share_conditions: f.share_conditions,
      open_type: f.open_type,
      update_frequency: f.update_frequency,
      format: f.format,
      source_system: f.source_system,
      endpoint: f.endpoint,
      schema_hash: f.schema_hash,
      tags: f.tags.split(/[,，]/).map((s) => s.trim()).filter(Boolean),
      // The guideline's metadata: null clears a field; a basis only for a catalog not shared.
      resource_code: f.resource_code.trim() || null,
      classification: f.class_kind ? { kind: f.class_kind, path: f.class_path.split('/').map((s) => s.trim()).filter(Boolean) } : null,
      share_method: f.share_method || null,
      released_at: f.released_at || null,
      related_codes: f.related_codes.split(/[,，\s]+/).map((s) => s.trim()).filter(Boolean),
      no_share_basis: f.share_type === 'none' ? f.no_share_basis.trim() || null : null,
    };
    // Optional text left empty is not sent, rather than written as "".
    for (const k of ['share_conditions', 'open_type', 'update_frequency', 'format', 'source_system', 'endpoint', 'schema_hash', 'description']) {
      if (body[k] === '' && !(editing && c[k])) delete body[k];
    }
    // Optional metadata left empty is not sent unless it clears a stored value.
    for (const k of ['resource_code', 'classification', 'share_method', 'released_at', 'no_share_basis']) {
      if (body[k] === null && !(editing && c[k])) delete body[k];
    }
    if (!body.related_codes.length && !(editing && (c.related_codes || []).length)) delete body.related_codes;
    try {
      let res;
      if (editing) {
        // Only what changed: the chaincode bumps the version per update, and a no-op is noise.
        // (Items compared without their empty fields, as they are sent: an untouched list is not resent.)
        const stored = { ...c, items: compactItems(c.items || []) };
        const patch = Object.fromEntries(Object.entries(body).filter(([k, v]) => !sameValue(v, stored[k] ?? (Array.isArray(v) ? [] : undefined))));
        if (!Object.keys(patch).length) {
          toast(() => t('cat.noChanges'), 'info');
          return;
        }
        res = await busy(form, () => write(`/catalogs/${encodeURIComponent(c.id)}`, patch, 'PATCH'));
      } else {
        res = await busy(form, () => write('/catalogs', { id: f.id, department_id: f.department_id, ...body }));
      }
      toast(() => t('common.savedTx', { tx: shortId(res.tx_id, 12), block: res.block ?? '—' }), 'success');
      ctx.navigate(`#/catalogs/${encodeURIComponent(editing ? c.id : f.id)}`);
    } catch (err) {
      toastError(err);
      // Re-read the catalog (someone may have changed it), keeping what was typed: a retry then
      // sends only this user's changes, on top of the latest version.
      const typed = readItems();
      if (JSON.stringify(typed) !== renderedItems) itemDraft = { key: location.hash, items: typed };
      ctx.refresh({ keepEdits: true });
    }
  });
}
