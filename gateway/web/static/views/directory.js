// Directory: the department tree, a department's page, and responsibility forms.
import { t, bi } from '../i18n.js';
import { api, unwrap, listAll, write, describeError } from '../api.js';
import {
  html, mount, badge, ledgerMeta, deptLink, errorBox, empty, fmtDateTime, txLink, control, checkForm,
  formValues, busy, toast, toastError, $, shortId,
} from '../ui.js';
import { loadHistory } from './common.js';

function buildTree(list) {
  const byParent = new Map();
  const ids = new Set(list.map((d) => d.id));
  for (const d of list) {
    const parent = d.parent_id && ids.has(d.parent_id) ? d.parent_id : '';
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent).push(d);
  }
  const order = { municipal: 0, district: 1, subdistrict: 2 };
  for (const children of byParent.values()) {
    children.sort((a, b) => (order[a.level] ?? 9) - (order[b.level] ?? 9) || String(bi(a.name)).localeCompare(String(bi(b.name))));
  }
  return byParent;
}

function treeNode(d, byParent, filter, depth = 0) {
  const children = (byParent.get(d.id) || []).map((c) => treeNode(c, byParent, filter, depth + 1)).filter(Boolean);
  const text = `${bi(d.name)} ${d.name?.zh || ''} ${d.name?.en || ''} ${d.id} ${d.msp_id}`.toLowerCase();
  if (filter && !text.includes(filter) && !children.length) return null;
  const label = html`<a href="#/departments/${encodeURIComponent(d.id)}" class="tree-link">${bi(d.name) || d.id}</a>
    <span class="mono muted">${d.id}</span> ${badge('level', d.level)} <span class="mono msp">${d.msp_id}</span>
    ${d.status && d.status !== 'active' ? badge('status', d.status) : ''}`;
  if (!children.length) return html`<li class="tree-leaf"><div class="tree-row">${label}</div></li>`;
  return html`<li><details open><summary><span class="tree-row">${label}</span></summary><ul>${children}</ul></details></li>`;
}

export async function renderTree(main, ctx) {
  ctx.setTitle(t('nav.directory'));
  await ctx.reloadDepartments();
  if (!ctx.alive()) return;
  const byParent = buildTree(ctx.deptList);
  mount(main, html`<div class="page-head"><div><h1 tabindex="-1">${t('dir.title')}</h1><p class="lead">${t('dir.lead')}</p></div></div>
    <section class="card">
      <div class="toolbar">
        <div class="field field-inline"><label for="tree-filter">${t('dir.filter')}</label>
          <input type="search" id="tree-filter" autocomplete="off"></div>
        ${ctx.can.bureauAdmin() ? html`<a class="btn" href="#/admin/new">${t('admin.register')}</a>` : ''}
      </div>
      <div id="tree-host"></div>
    </section>`);
  const host = $('#tree-host', main);
  const paint = (filter) => {
    const roots = (byParent.get('') || []).map((d) => treeNode(d, byParent, filter)).filter(Boolean);
    mount(host, roots.length ? html`<ul class="tree" aria-label="${t('dir.tree')}">${roots}</ul>` : empty(t('dir.none')));
  };
  paint('');
  $('#tree-filter', main).addEventListener('input', (ev) => paint(ev.target.value.trim().toLowerCase()));
}

function contactBlock(c) {
  if (!c) return '—';
  return html`${c.name || ''}${c.email ? html` · <a href="mailto:${c.email}">${c.email}</a>` : ''}${c.phone ? html` · ${c.phone}` : ''}`;
}

export async function renderDepartment(main, ctx) {
  const [id] = ctx.params;
  const [deptJson, resps, cats] = await Promise.all([
    api(`/departments/${encodeURIComponent(id)}`, { signal: ctx.signal }),
    listAll(`/departments/${encodeURIComponent(id)}/responsibilities`, {}, { signal: ctx.signal }).catch((e) => e),
    listAll('/catalogs', { department: id }, { signal: ctx.signal }).catch((e) => e),
  ]);
  if (!ctx.alive()) return;
  const d = unwrap(deptJson);
  ctx.setTitle(bi(d.name) || d.id);
  const manage = ctx.can.manageDept(d.id);
  const children = ctx.deptList.filter((x) => x.parent_id === d.id);
  mount(main, html`<nav class="crumbs" aria-label="${t('common.breadcrumb')}"><a href="#/directory">${t('nav.directory')}</a> ›
      ${d.parent_id ? html`${deptLink(ctx.depts, d.parent_id)} ›` : ''} <span>${bi(d.name) || d.id}</span></nav>
    <div class="page-head">
      <h1 tabindex="-1">${bi(d.name) || d.id} ${badge('level', d.level)} ${badge('status', d.status)}</h1>
      <div class="actions">
        ${ctx.can.bureauAdmin() ? html`<a class="btn" href="#/admin/${encodeURIComponent(d.id)}/edit">${t('common.edit')}</a>` : ''}
        ${manage ? html`<a class="btn" href="#/catalogs/new?department=${encodeURIComponent(d.id)}">${t('cat.new')}</a>` : ''}
      </div>
    </div>
    <section class="card">
      <dl class="props">
        <dt>${t('dept.id')}</dt><dd class="mono">${d.id}</dd>
        <dt>${t('dept.nameZh')}</dt><dd lang="zh-CN">${d.name?.zh || '—'}</dd>
        <dt>${t('dept.nameEn')}</dt><dd lang="en">${d.name?.en || '—'}</dd>
        <dt>${t('dept.msp')}</dt><dd class="mono">${d.msp_id}</dd>
        <dt>${t('dept.providerCode')}</dt><dd class="mono" id="dept-provider-code">${d.provider_code || '—'}</dd>
        <dt>${t('dept.parent')}</dt><dd>${d.parent_id ? deptLink(ctx.depts, d.parent_id) : t('dept.noParent')}</dd>
        <dt>${t('dept.contact')}</dt><dd>${contactBlock(d.contact)}</dd>
        ${d.suspension_reason || d.reason ? html`<dt>${t('dept.suspendReason')}</dt><dd>${d.suspension_reason || d.reason}</dd>` : ''}
        <dt>${t('common.created')}</dt><dd>${fmtDateTime(d.created_at)}</dd>
        <dt>${t('common.updated')}</dt><dd>${fmtDateTime(d.updated_at)}</dd>
      </dl>
      ${ledgerMeta(d.ledger)}
    </section>
    ${children.length ? html`<section class="card"><h2>${t('dept.children')}</h2><ul class="plain-list">${children.map((c) => html`<li>${deptLink(ctx.depts, c.id)} ${badge('level', c.level)}</li>`)}</ul></section>` : ''}
    <section class="card" aria-labelledby="resp-h">
      <div class="section-head"><h2 id="resp-h">${t('resp.title')}</h2>
        ${manage ? html`<a class="btn btn-small" href="#/departments/${encodeURIComponent(d.id)}/responsibilities/new">${t('resp.new')}</a>` : ''}</div>
      ${resps instanceof Error ? errorBox(describeError(resps)) : !resps.length ? empty(t('resp.none')) : html`<div class="table-wrap"><table>
        <thead><tr><th scope="col">${t('resp.code')}</th><th scope="col">${t('resp.titleCol')}</th><th scope="col" class="hide-sm">${t('resp.legalBasis')}</th>
          <th scope="col">${t('common.status')}</th><th scope="col" class="hide-sm">${t('ledger.tx')}</th>${manage ? html`<th scope="col"><span class="sr-only">${t('common.actions')}</span></th>` : ''}</tr></thead>
        <tbody>${resps.map((r) => html`<tr><td class="mono">${r.code}</td><td>${bi(r.title)}<div class="muted small">${r.description || ''}</div></td>
          <td class="hide-sm">${r.legal_basis || ''}</td><td>${badge('status', r.status)}</td><td class="hide-sm">${txLink(r.ledger?.tx_id, r.ledger?.block)}</td>
          ${manage ? html`<td><a class="btn btn-small" href="#/responsibilities/${encodeURIComponent(r.id)}/edit">${t('common.edit')}</a></td>` : ''}</tr>`)}</tbody></table></div>`}
    </section>
    <section class="card" aria-labelledby="cat-h">
      <h2 id="cat-h">${t('cat.title')}</h2>
      ${cats instanceof Error ? errorBox(describeError(cats)) : !cats.length ? empty(t('cat.none')) : html`<div class="table-wrap"><table>
        <thead><tr><th scope="col">${t('cat.titleCol')}</th><th scope="col">${t('cat.shareType')}</th><th scope="col">${t('common.status')}</th>
          <th scope="col" class="hide-sm">${t('cat.version')}</th><th scope="col" class="hide-sm">${t('ledger.tx')}</th></tr></thead>
        <tbody>${cats.map((c) => html`<tr><td><a href="#/catalogs/${encodeURIComponent(c.id)}">${bi(c.title) || c.id}</a> <span class="mono muted small">${c.id}</span></td>
          <td>${badge('share', c.share_type)}</td><td>${badge('status', c.status)}</td><td class="hide-sm">${c.version ?? ''}</td>
          <td class="hide-sm">${txLink(c.ledger?.tx_id, c.ledger?.block)}</td></tr>`)}</tbody></table></div>`}
    </section>
    <section class="card" aria-labelledby="hist-h"><h2 id="hist-h">${t('hist.title')}</h2><div id="entity-history">${t('common.loading')}</div></section>`);
  await loadHistory($('#entity-history', main), `/departments/${encodeURIComponent(d.id)}/history`, ctx, { deptOf: () => '' });
}

/** #/departments/:id/responsibilities/new and #/responsibilities/:id/edit */
export async function renderResponsibilityForm(main, ctx) {
  const editing = /^#\/responsibilities\//.test(location.hash);
  let resp = null;
  let deptId = ctx.params[0];
  if (editing) {
    resp = unwrap(await api(`/responsibilities/${encodeURIComponent(ctx.params[0])}`, { signal: ctx.signal }));
    deptId = resp.department_id;
  }
  if (!ctx.alive()) return;
  const title = editing ? t('resp.edit') : t('resp.new');
  ctx.setTitle(title);
  const v = resp || {};
  mount(main, html`<nav class="crumbs" aria-label="${t('common.breadcrumb')}"><a href="#/directory">${t('nav.directory')}</a> › ${deptLink(ctx.depts, deptId)}</nav>
    <h1 tabindex="-1">${title}</h1>
    ${ctx.can.manageDept(deptId) ? '' : html`<div class="alert alert-warn">${t('perm.deptAdminOnly')}</div>`}
    <form class="card form-grid" id="resp-form" novalidate>
      ${editing ? html`<p class="mono">${v.id}</p>` : control({ id: 'r-id', name: 'id', label: t('common.id'), required: true, check: 'slug', hint: t('v.slugHint') })}
      ${control({ id: 'r-code', name: 'code', label: t('resp.code'), required: true, value: v.code })}
      ${control({ id: 'r-title-zh', name: 'title_zh', label: t('common.titleZh'), required: true, value: v.title?.zh, lang: 'zh-CN' })}
      ${control({ id: 'r-title-en', name: 'title_en', label: t('common.titleEn'), required: true, value: v.title?.en, lang: 'en' })}
      ${control({ id: 'r-desc', name: 'description', label: t('common.description'), type: 'textarea', value: v.description, wide: true })}
      ${control({ id: 'r-legal', name: 'legal_basis', label: t('resp.legalBasis'), required: true, value: v.legal_basis, wide: true })}
      ${editing ? control({ id: 'r-status', name: 'status', label: t('common.status'), type: 'select', value: v.status,
    options: ['active', 'retired'].map((s) => ({ value: s, label: t(`status.${s}`) })) }) : ''}
      <div class="form-actions field-wide"><a class="btn" href="#/departments/${encodeURIComponent(deptId)}">${t('common.cancel')}</a>
        <button type="submit" class="btn btn-primary" ${ctx.can.manageDept(deptId) ? '' : 'disabled'}>${t('common.save')}</button></div>
    </form>`);
  const form = $('#resp-form', main);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!checkForm(form)) return;
    const f = formValues(form);
    const body = { code: f.code, title: { zh: f.title_zh, en: f.title_en }, description: f.description, legal_basis: f.legal_basis };
    try {
      const res = await busy(form, () => (editing
        ? write(`/responsibilities/${encodeURIComponent(v.id)}`, { ...body, status: f.status }, 'PATCH')
        : write(`/departments/${encodeURIComponent(deptId)}/responsibilities`, { id: f.id, ...body })));
      toast(() => t('common.savedTx', { tx: shortId(res.tx_id, 12), block: res.block ?? '—' }), 'success');
      ctx.navigate(`#/departments/${encodeURIComponent(deptId)}`);
    } catch (err) {
      toastError(err);
      ctx.refresh({ keepEdits: true }); // re-read, keeping what was typed
    }
  });
}
