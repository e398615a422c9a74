// Access: inbox (requests for my catalogs), outbox (my requests), grants held, usage, access check.
import { t, bi } from '../i18n.js';
import { api, unwrap, listAll, write, describeError } from '../api.js';
import {
  html, mount, badge, deptLink, deptLabel, errorBox, empty, fmtDate, fmtDateTime, txLink, control, checkForm, formValues,
  busy, toast, askDialog, $, $$, shortId, daysUntil, dateToIso,
} from '../ui.js';
import { asMyDepartments, departmentOptions, enumOptions, REQUEST_STATUSES, itemTitle } from './common.js';
import { revokeGrant } from './catalogs.js';

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
    options: departmentOptions(mine, { blank: t('access.defaultDept') }) }) : ''}
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

function requestCard(r, ctx, tab, grant) {
  const owner = r.owner_id || ctx.catalogOwner?.(r.catalog_id);
  const canDecide = tab === 'inbox' && r.status === 'pending' && ctx.can.manageDept(owner);
  const canWithdraw = tab === 'outbox' && r.status === 'pending' && ctx.can.actFor(r.requester_id);
  const canRevoke = tab === 'inbox' && grant && grant.status === 'active' && ctx.can.manageDept(owner);
  const decision = r.decision || {};
  const reason = r.reason || r.decision_reason || decision.reason;
  return html`<article class="card request-card" data-request="${r.id}" data-status="${r.status}">
    <header class="request-head"><h3><a href="#/catalogs/${encodeURIComponent(r.catalog_id)}">${r.catalog_id}</a></h3> ${badge('status', r.status)}
      <span class="mono muted small">${r.id}</span></header>
    <dl class="props props-compact">
      <dt>${tab === 'inbox' ? t('req.requester') : t('req.owner')}</dt><dd>${deptLink(ctx.depts, tab === 'inbox' ? r.requester_id : owner)}</dd>
      <dt>${t('req.items')}</dt><dd>${(r.items || []).map((i) => html`<span class="tag mono">${i}</span> `)}</dd>
      <dt>${t('req.purpose')}</dt><dd>${r.purpose || '—'}</dd>
      <dt>${t('req.legalBasis')}</dt><dd>${r.legal_basis || '—'}</dd>
      <dt>${t('req.until')}</dt><dd>${fmtDate(r.requested_until)}</dd>
      <dt>${t('common.created')}</dt><dd>${fmtDateTime(r.created_at)}</dd>
      ${reason ? html`<dt>${t('common.reason')}</dt><dd>${reason}</dd>` : ''}
      ${grant ? html`<dt>${t('grant.id')}</dt><dd><span class="mono">${grant.id}</span> ${badge('status', grant.status)} · ${t('grant.validUntil')} ${fmtDate(grant.valid_until)}</dd>` : ''}
      <dt>${t('ledger.tx')}</dt><dd>${txLink(r.ledger?.tx_id, r.ledger?.block)}</dd>
    </dl>
    ${canDecide || canWithdraw || canRevoke ? html`<div class="actions">
      ${canDecide ? html`<button type="button" class="btn btn-primary" data-approve="${r.id}">${t('req.approve')}</button>
        <button type="button" class="btn btn-danger" data-reject="${r.id}">${t('req.reject')}</button>` : ''}
      ${canWithdraw ? html`<button type="button" class="btn" data-withdraw="${r.id}">${t('req.withdraw')}</button>` : ''}
      ${canRevoke ? html`<button type="button" class="btn btn-danger" data-revoke="${grant.id}">${t('grant.revoke')}</button>` : ''}
    </div>` : ''}
  </article>`;
}

async function requests(host, ctx, tab) {
  const query = { role: tab === 'inbox' ? 'incoming' : 'outgoing', status: ctx.query.status };
  const list = (await asMyDepartments('/access-requests', query, { department: ctx.query.department }))
    .sort((a, b) => String(b.created_at || '').localeCompare(String(a.created_at || '')));
  if (!ctx.alive()) return;
  // Approved incoming requests show their grant (id grant-<request id>), so it can be revoked here.
  const grants = new Map();
  if (tab === 'inbox') {
    await Promise.all(list.filter((r) => r.status === 'approved').slice(0, 50).map(async (r) => {
      const id = r.grant_id || `grant-${r.id}`;
      try {
        grants.set(r.id, unwrap(await api(`/grants/${encodeURIComponent(id)}`, { signal: ctx.signal })));
      } catch {
        /* not fatal: the card simply shows no grant */
      }
    }));
  }
  if (!ctx.alive()) return;
  // Owner of a catalog when the request record does not carry owner_id.
  const owners = new Map();
  if (list.some((r) => !r.owner_id)) {
    await Promise.all([...new Set(list.filter((r) => !r.owner_id).map((r) => r.catalog_id))].map(async (cid) => {
      try {
        owners.set(cid, unwrap(await api(`/catalogs/${encodeURIComponent(cid)}`, { signal: ctx.signal })).department_id);
      } catch {
        /* unknown owner: actions stay hidden */
      }
    }));
  }
  ctx.catalogOwner = (cid) => owners.get(cid);
  if (!ctx.alive()) return;
  mount(host, list.length ? html`<div class="cards" id="${tab}-list">${list.map((r) => requestCard(r, ctx, tab, grants.get(r.id)))}</div>`
    : empty(tab === 'inbox' ? t('req.inboxEmpty') : t('req.outboxEmpty')));

  const done = (res, key) => {
    toast(t(key, { tx: shortId(res.tx_id, 12), block: res.block ?? '—' }), 'success');
    ctx.refresh();
  };
  $$('[data-approve]', host).forEach((b) => b.addEventListener('click', async () => {
    const r = list.find((x) => x.id === b.dataset.approve);
    const values = await askDialog({
      title: t('req.approveTitle', { id: r.id }), confirm: t('req.approve'),
      message: t('req.approveMsg', { dept: deptLabel(ctx.depts, r.requester_id), items: (r.items || []).join(', ') }),
      fields: [
        { name: 'reason', label: t('common.reason'), type: 'textarea', required: true },
        { name: 'valid_until', label: t('grant.validUntil'), type: 'date', check: 'future', value: String(r.requested_until || '').slice(0, 10), hint: t('req.validHint') },
      ],
    });
    if (!values) return;
    try {
      const body = { reason: values.reason };
      if (values.valid_until) body.valid_until = dateToIso(values.valid_until);
      done(await write(`/access-requests/${encodeURIComponent(r.id)}/approve`, body), 'req.approved');
    } catch (err) {
      toast(describeError(err), 'error');
    }
  }));
  $$('[data-reject]', host).forEach((b) => b.addEventListener('click', async () => {
    const id = b.dataset.reject;
    const values = await askDialog({ title: t('req.rejectTitle', { id }), confirm: t('req.reject'), danger: true,
      fields: [{ name: 'reason', label: t('common.reason'), type: 'textarea', required: true }] });
    if (!values) return;
    try {
      done(await write(`/access-requests/${encodeURIComponent(id)}/reject`, { reason: values.reason }), 'req.rejected');
    } catch (err) {
      toast(describeError(err), 'error');
    }
  }));
  $$('[data-withdraw]', host).forEach((b) => b.addEventListener('click', async () => {
    const id = b.dataset.withdraw;
    const values = await askDialog({ title: t('req.withdrawTitle', { id }), message: t('req.withdrawMsg'), confirm: t('req.withdraw'), danger: true });
    if (!values) return;
    try {
      done(await write(`/access-requests/${encodeURIComponent(id)}/withdraw`, {}), 'req.withdrawn');
    } catch (err) {
      toast(describeError(err), 'error');
    }
  }));
  $$('[data-revoke]', host).forEach((b) => b.addEventListener('click', async () => {
    if (await revokeGrant(b.dataset.revoke, ctx)) ctx.refresh();
  }));
}

// --- grants held -----------------------------------------------------------------------------

async function grants(host, ctx) {
  const list = await asMyDepartments('/grants', {}, { department: ctx.query.department });
  if (!ctx.alive()) return;
  mount(host, list.length ? html`<div class="card"><div class="table-wrap"><table id="held-grants"><thead><tr>
      <th scope="col">${t('grant.id')}</th><th scope="col">${t('grant.catalog')}</th><th scope="col" class="hide-sm">${t('grant.grantee')}</th>
      <th scope="col" class="hide-sm">${t('req.items')}</th><th scope="col">${t('grant.validUntil')}</th><th scope="col">${t('common.status')}</th>
      <th scope="col" class="hide-sm">${t('ledger.tx')}</th><th scope="col"><span class="sr-only">${t('common.actions')}</span></th></tr></thead>
    <tbody>${list.map((g) => {
    const days = daysUntil(g.valid_until);
    return html`<tr data-grant="${g.id}" data-status="${g.status}"><td class="mono small">${g.id}</td>
      <td><a href="#/catalogs/${encodeURIComponent(g.catalog_id)}">${g.catalog_id}</a></td><td class="hide-sm">${deptLink(ctx.depts, g.grantee_id)}</td>
      <td class="hide-sm">${(g.items || []).join(', ')}</td>
      <td>${fmtDate(g.valid_until)}${days !== null && days >= 0 && g.status === 'active' ? html` <span class="muted small">(${t('dash.daysLeft', { n: days })})</span>` : ''}</td>
      <td>${badge('status', g.status)}</td><td class="hide-sm">${txLink(g.ledger?.tx_id, g.ledger?.block)}</td>
      <td><a class="btn btn-small" href="#/access/check?department=${encodeURIComponent(g.grantee_id || '')}&catalog=${encodeURIComponent(g.catalog_id || '')}&item=${encodeURIComponent((g.items || [])[0] || '')}">${t('check.check')}</a></td></tr>`;
  })}</tbody></table></div></div>` : empty(t('grant.noneHeld')));
}

// --- usage -----------------------------------------------------------------------------------

async function usage(host, ctx) {
  const [records, held] = await Promise.all([
    asMyDepartments('/usage', {}, { department: ctx.query.department }),
    asMyDepartments('/grants', {}, { department: ctx.query.department }).catch(() => []),
  ]);
  if (!ctx.alive()) return;
  const active = held.filter((g) => !g.status || g.status === 'active');
  mount(host, html`<section class="card"><h2>${t('usage.record')}</h2>
      ${active.length ? html`<form class="form-grid" id="usage-form" novalidate>
        ${control({ id: 'u-grant', name: 'grant_id', label: t('usage.grant'), type: 'select', required: true,
    options: [{ value: '', label: t('common.choose') }, ...active.map((g) => ({ value: g.id, label: `${g.id} · ${g.catalog_id}` }))] })}
        ${control({ id: 'u-items', name: 'items', label: t('req.items'), required: true, hint: t('usage.itemsHint') })}
        ${control({ id: 'u-purpose', name: 'purpose_ref', label: t('usage.purposeRef'), required: true })}
        ${control({ id: 'u-count', name: 'record_count', label: t('usage.count'), type: 'number', required: true, min: 0, value: '1' })}
        <div class="form-actions field-wide"><button type="submit" class="btn btn-primary">${t('usage.submit')}</button></div>
      </form>` : empty(t('usage.noGrants'))}</section>
    <section class="card"><h2>${t('usage.title')}</h2>${records.length ? html`<div class="table-wrap"><table><thead><tr>
      <th scope="col">${t('common.id')}</th><th scope="col">${t('usage.grant')}</th><th scope="col" class="hide-sm">${t('req.items')}</th>
      <th scope="col">${t('usage.count')}</th><th scope="col" class="hide-sm">${t('usage.purposeRef')}</th><th scope="col">${t('ledger.tx')}</th></tr></thead>
      <tbody>${records.map((u) => html`<tr><td class="mono small">${u.id}</td><td class="mono small">${u.grant_id}</td><td class="hide-sm">${(u.items || []).join(', ')}</td>
        <td>${u.record_count}</td><td class="hide-sm">${u.purpose_ref}</td><td>${txLink(u.ledger?.tx_id, u.ledger?.block)}</td></tr>`)}</tbody></table></div>` : empty(t('usage.none'))}</section>`);
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
      toast(t('common.savedTx', { tx: shortId(res.tx_id, 12), block: res.block ?? '—' }), 'success');
      ctx.refresh();
    } catch (err) {
      toast(describeError(err), 'error');
    }
  });
}

// --- access check ----------------------------------------------------------------------------

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
      mount(result, html`<div class="check-result ${r.allowed ? 'allowed' : 'denied'}" id="check-verdict" data-allowed="${String(Boolean(r.allowed))}">
        <strong>${r.allowed ? t('check.allowed') : t('check.denied')}</strong>
        ${r.reason ? html`<p>${t('common.reason')}: ${t(`check.reason.${r.reason}`, null, r.reason)}</p>` : ''}
        ${r.grant_id ? html`<p>${t('grant.id')}: <span class="mono">${r.grant_id}</span></p>` : ''}</div>`);
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
