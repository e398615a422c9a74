// Admin (data bureau admins): register, edit, suspend and reactivate departments.
import { t, bi } from '../i18n.js';
import { api, unwrap, write } from '../api.js';
import {
  html, mount, badge, deptLink, empty, txLink, control, checkForm, formValues, busy, toast, toastError, askDialog, $, $$, shortId,
} from '../ui.js';
import { departmentOptions, enumOptions, sameValue, LEVELS } from './common.js';

const KNOWN_MSPS = ['DataBureauMSP', 'CivilAffairsMSP', 'HealthMSP'];

function notPermitted() {
  return html`<div class="alert alert-warn" role="note">${t('perm.bureauOnly')}</div>`;
}

export async function renderList(main, ctx) {
  ctx.setTitle(t('nav.admin'));
  await ctx.reloadDepartments();
  if (!ctx.alive()) return;
  const allowed = ctx.can.bureauAdmin();
  mount(main, html`<div class="page-head"><h1 tabindex="-1">${t('admin.title')}</h1>
      ${allowed ? html`<a class="btn btn-primary" href="#/admin/new" id="register-dept">${t('admin.register')}</a>` : ''}</div>
    ${allowed ? '' : notPermitted()}
    <section class="card">${ctx.deptList.length ? html`<div class="table-wrap"><table id="dept-table"><thead><tr>
      <th scope="col">${t('dept.name')}</th><th scope="col" class="hide-sm">${t('dept.level')}</th><th scope="col" class="hide-sm">${t('dept.msp')}</th>
      <th scope="col" class="hide-sm">${t('dept.parent')}</th><th scope="col">${t('common.status')}</th><th scope="col" class="hide-sm">${t('ledger.tx')}</th>
      ${allowed ? html`<th scope="col"><span class="sr-only">${t('common.actions')}</span></th>` : ''}</tr></thead>
      <tbody>${ctx.deptList.map((d) => html`<tr data-dept="${d.id}"><td>${deptLink(ctx.depts, d.id)}<div class="mono muted small">${d.id}</div></td>
        <td class="hide-sm">${badge('level', d.level)}</td><td class="hide-sm mono">${d.msp_id}</td><td class="hide-sm">${d.parent_id ? deptLink(ctx.depts, d.parent_id) : '—'}</td>
        <td>${badge('status', d.status)}</td><td class="hide-sm">${txLink(d.ledger?.tx_id, d.ledger?.block)}</td>
        ${allowed ? html`<td class="row-actions"><a class="btn btn-small" href="#/admin/${encodeURIComponent(d.id)}/edit">${t('common.edit')}</a>
          ${d.status === 'suspended'
    ? html`<button type="button" class="btn btn-small" data-reactivate="${d.id}">${t('admin.reactivate')}</button>`
    : html`<button type="button" class="btn btn-small btn-danger" data-suspend="${d.id}">${t('admin.suspend')}</button>`}</td>` : ''}</tr>`)}</tbody></table></div>` : empty(t('dir.none'))}</section>`);

  // Success or failure, the list is read again: a refusal may mean someone else changed it.
  const attempt = async (task) => {
    try {
      const res = await task();
      toast(() => t('common.savedTx', { tx: shortId(res.tx_id, 12), block: res.block ?? '—' }), 'success');
    } catch (err) {
      toastError(err);
    }
    await ctx.reloadDepartments().catch(() => {});
    ctx.refresh();
  };
  $$('[data-suspend]', main).forEach((b) => b.addEventListener('click', async () => {
    const id = b.dataset.suspend;
    const values = await askDialog({ title: t('admin.suspendTitle', { name: bi(ctx.depts.get(id)?.name) || id }), danger: true,
      confirm: t('admin.suspend'), message: t('admin.suspendMsg'),
      fields: [{ name: 'reason', label: t('common.reason'), type: 'textarea', required: true }] });
    if (!values) return;
    await attempt(() => write(`/departments/${encodeURIComponent(id)}/suspend`, { reason: values.reason }));
  }));
  $$('[data-reactivate]', main).forEach((b) => b.addEventListener('click', async () => {
    const id = b.dataset.reactivate;
    const values = await askDialog({ title: t('admin.reactivateTitle', { name: bi(ctx.depts.get(id)?.name) || id }), confirm: t('admin.reactivate') });
    if (!values) return;
    await attempt(() => write(`/departments/${encodeURIComponent(id)}/reactivate`, {}));
  }));
}

export async function renderForm(main, ctx) {
  const editing = ctx.params[0] !== undefined;
  const d = editing ? unwrap(await api(`/departments/${encodeURIComponent(ctx.params[0])}`, { signal: ctx.signal })) : {};
  if (!ctx.alive()) return;
  const title = editing ? t('admin.editTitle', { name: bi(d.name) || d.id }) : t('admin.register');
  ctx.setTitle(title);
  const parents = ctx.deptList.filter((x) => x.id !== d.id);
  const msps = [...new Set([...KNOWN_MSPS, ...ctx.deptList.map((x) => x.msp_id).filter(Boolean)])];
  mount(main, html`<nav class="crumbs" aria-label="${t('common.breadcrumb')}"><a href="#/admin">${t('nav.admin')}</a></nav>
    <h1 tabindex="-1">${title}</h1>
    ${ctx.can.bureauAdmin() ? '' : notPermitted()}
    <form class="card form-grid" id="dept-form" novalidate>
      ${editing ? html`<p class="mono field-wide">${d.id} ${badge('status', d.status)}</p>`
    : control({ id: 'd-id', name: 'id', label: t('common.id'), required: true, check: 'slug', hint: t('v.slugHint') })}
      ${control({ id: 'd-name-zh', name: 'name_zh', label: t('dept.nameZh'), required: true, value: d.name?.zh, lang: 'zh-CN' })}
      ${control({ id: 'd-name-en', name: 'name_en', label: t('dept.nameEn'), required: true, value: d.name?.en, lang: 'en' })}
      ${control({ id: 'd-level', name: 'level', label: t('dept.level'), type: 'select', required: true, value: d.level || '',
    options: enumOptions('level', LEVELS, t('common.choose')) })}
      ${control({ id: 'd-parent', name: 'parent_id', label: t('dept.parent'), type: 'select', value: d.parent_id || '',
    options: departmentOptions(parents, { blank: t('dept.noParent') }), hint: t('admin.parentHint') })}
      <div class="field"><label for="d-msp">${t('dept.msp')}<span class="req" aria-hidden="true"> *</span></label>
        <input id="d-msp" name="msp_id" list="msp-list" required aria-required="true" value="${d.msp_id || ''}" autocomplete="off" aria-describedby="d-msp-err">
        <datalist id="msp-list">${msps.map((m) => html`<option value="${m}"></option>`)}</datalist>
        <p class="field-error" id="d-msp-err" hidden></p></div>
      ${control({ id: 'd-contact-name', name: 'contact_name', label: t('dept.contactName'), required: true, value: d.contact?.name })}
      ${control({ id: 'd-contact-email', name: 'contact_email', label: t('dept.contactEmail'), type: 'email', required: true, value: d.contact?.email })}
      ${control({ id: 'd-contact-phone', name: 'contact_phone', label: t('dept.contactPhone'), type: 'tel', value: d.contact?.phone })}
      <div class="form-actions field-wide"><a class="btn" href="#/admin">${t('common.cancel')}</a>
        <button type="submit" class="btn btn-primary" ${ctx.can.bureauAdmin() ? '' : 'disabled'}>${t('common.save')}</button></div>
    </form>`);
  const form = $('#dept-form', main);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const ok = checkForm(form, (f) => {
      const bad = {};
      if (!/^[A-Za-z][A-Za-z0-9.-]*$/.test(f.elements.msp_id.value.trim())) bad.msp_id = t('v.msp');
      const level = f.elements.level.value;
      const parent = ctx.depts.get(f.elements.parent_id.value);
      // municipal → district → subdistrict: a child sits one level below its parent.
      const expected = { district: 'municipal', subdistrict: 'district' }[level];
      if (level === 'municipal' && parent) bad.parent_id = t('admin.municipalNoParent');
      if (expected && !parent) bad.parent_id = t('admin.parentRequired', { level: t(`level.${expected}`) });
      if (expected && parent && parent.level !== expected) bad.parent_id = t('admin.parentLevel', { level: t(`level.${expected}`) });
      return bad;
    });
    if (!ok) return;
    const f = formValues(form);
    const body = {
      name: { zh: f.name_zh, en: f.name_en }, level: f.level, parent_id: f.parent_id || null, msp_id: f.msp_id,
      contact: { name: f.contact_name, email: f.contact_email, phone: f.contact_phone },
    };
    try {
      let res;
      if (editing) {
        const patch = Object.fromEntries(Object.entries(body).filter(([k, v]) => !sameValue(v, d[k] ?? null)));
        if (!Object.keys(patch).length) {
          toast(() => t('cat.noChanges'), 'info');
          return;
        }
        res = await busy(form, () => write(`/departments/${encodeURIComponent(d.id)}`, patch, 'PATCH'));
      } else {
        res = await busy(form, () => write('/departments', { id: f.id, ...body }));
      }
      toast(() => t('common.savedTx', { tx: shortId(res.tx_id, 12), block: res.block ?? '—' }), 'success');
      await ctx.reloadDepartments();
      ctx.navigate(`#/departments/${encodeURIComponent(editing ? d.id : f.id)}`);
    } catch (err) {
      toastError(err);
      ctx.refresh({ keepEdits: true }); // re-read the department, keeping what was typed
    }
  });
}
