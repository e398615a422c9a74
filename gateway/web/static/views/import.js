// Bulk import of a department's catalogs (POST /api/v1/imports, then GET /api/v1/imports/{id}):
// choose a CSV, XLSX or JSON file, preview it (a dry run: the parsed catalogs, what the import
// would do with each, and every error with its row and column), then import it with progress.
// The format and its columns: docs/import-export.md.
import { t, bi } from '../i18n.js';
import { token, ApiError, describeError } from '../api.js';
import { html, mount, control, empty, toast, $ } from '../ui.js';
import { departmentOptions } from './common.js';

const POLL_MS = 300;

async function startJob(file, department, { dryRun, update }) {
  const form = new FormData();
  form.append('file', file, file.name);
  form.append('department', department);
  form.append('dry_run', dryRun ? 'true' : 'false');
  form.append('update', update ? 'true' : 'false');
  const headers = { Accept: 'application/json', Authorization: `Bearer ${token.get()}` };
  const response = await fetch('/api/v1/imports', { method: 'POST', body: form, headers, cache: 'no-store' });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const err = body?.error || {};
    throw new ApiError(response.status, err.code || `HTTP_${response.status}`, err.message || '', err.details);
  }
  return body.data;
}

async function pollJob(id, onState, alive) {
  for (;;) {
    const response = await fetch(`/api/v1/imports/${encodeURIComponent(id)}`, {
      headers: { Accept: 'application/json', Authorization: `Bearer ${token.get()}` }, cache: 'no-store',
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, body?.error?.code || 'HTTP', body?.error?.message || '');
    onState(body.data);
    if (!['validating', 'running'].includes(body.data.status) || !alive()) return body.data;
    await new Promise((resolve) => { setTimeout(resolve, POLL_MS); });
  }
}

function progressView(state) {
  const total = state.total || 0;
  return html`<div id="import-progress" class="card" aria-live="polite">
    <p><strong>${t(`imp.status.${state.status}`, undefined, state.status)}</strong>
      ${t('imp.progress', { done: state.done || 0, total, tx: state.transactions || 0 })}</p>
    <progress max="${total || 1}" value="${state.done || 0}"></progress>
    ${state.failure ? html`<div class="alert alert-error" role="alert">${state.failure.code}: ${state.failure.message}
      — ${t('imp.resume')}</div>` : ''}</div>`;
}

function resultView(state) {
  const errors = state.errors || [];
  const plan = state.plan || {};
  const rows = state.preview || [];
  return html`<section class="card" id="import-preview">
    <h2>${t('imp.preview')}</h2>
    <p id="import-summary">${t('imp.summary', {
    catalogs: state.catalogs ?? 0, rows: state.rows ?? 0, create: plan.create ?? 0, update: plan.update ?? 0, skip: plan.skip ?? 0,
  })}</p>
    ${errors.length ? html`<div class="alert alert-error" role="alert">${t('imp.hasErrors', { n: errors.length })}</div>
      <div class="table-wrap"><table id="import-errors"><thead><tr><th scope="col">${t('imp.row')}</th>
        <th scope="col">${t('imp.column')}</th><th scope="col">${t('imp.message')}</th></tr></thead>
        <tbody>${errors.map((e) => html`<tr data-row="${e.row}"><td>${e.row}</td><td class="mono">${e.column}</td>
          <td>${e.message}</td></tr>`)}</tbody></table></div>` : ''}
    ${rows.length ? html`<div class="table-wrap"><table id="import-rows"><thead><tr><th scope="col">${t('imp.row')}</th>
      <th scope="col">ID</th><th scope="col">${t('imp.title')}</th><th scope="col">${t('imp.items')}</th>
      <th scope="col">${t('imp.action')}</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr data-catalog="${r.id ?? ''}"><td>${r.row}</td><td class="mono">${r.id ?? '—'}</td>
        <td>${bi(r.title) || '—'}</td><td>${r.items}</td><td>${t(`imp.action.${r.action}`, undefined, r.action)}</td></tr>`)}
      </tbody></table></div>` : empty(t('imp.noRows'))}
  </section>`;
}

export async function render(main, ctx) {
  ctx.setTitle(t('nav.import'));
  await ctx.reloadDepartments();
  if (!ctx.alive()) return;
  const mine = ctx.can.myDepartments().filter((d) => ctx.can.manageDept(d.id));
  mount(main, html`<div class="page-head"><h1 tabindex="-1">${t('imp.title.page')}</h1></div>
    <section class="card"><p class="muted">${t('imp.intro')}</p>
    <form id="import-form" novalidate>
      ${control({ id: 'imp-department', name: 'department', label: t('imp.department'), type: 'select', required: true,
    options: departmentOptions(mine.length ? mine : ctx.deptList) })}
      <div class="field"><label for="imp-file">${t('imp.file')}<span class="req" aria-hidden="true"> *</span></label>
        <input type="file" id="imp-file" name="file" accept=".csv,.xlsx,.json" required aria-required="true"></div>
      ${control({ id: 'imp-update', name: 'update', label: t('imp.update'), type: 'checkbox', value: 'true' })}
      <p class="actions"><button type="submit" class="btn" id="imp-preview">${t('imp.previewBtn')}</button>
        <button type="button" class="btn btn-primary" id="imp-run" disabled>${t('imp.run')}</button></p>
    </form></section>
    <div id="import-status"></div><div id="import-result"></div>`);

  const form = $('#import-form', main);
  const runButton = $('#imp-run', main);
  const status = $('#import-status', main);
  const result = $('#import-result', main);
  const current = () => ({
    file: $('#imp-file', main).files[0],
    department: $('#imp-department', main).value,
    update: $('#imp-update', main).checked,
  });

  const go = async (dryRun) => {
    const { file, department, update } = current();
    if (!file || !department) {
      toast(t('imp.chooseFile'), 'error');
      return null;
    }
    runButton.disabled = true;
    mount(result, '');
    try {
      const job = await startJob(file, department, { dryRun, update });
      const final = await pollJob(job.id, (state) => {
        if (ctx.alive()) mount(status, progressView(state));
      }, ctx.alive);
      if (!ctx.alive()) return null;
      mount(result, resultView(final));
      return final;
    } catch (err) {
      mount(status, html`<div class="alert alert-error" role="alert">${describeError(err)}</div>`);
      return null;
    }
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const final = await go(true);
    runButton.disabled = !final || (final.errors || []).length > 0 || (final.total || 0) === 0;
  });
  form.addEventListener('change', () => { runButton.disabled = true; });
  runButton.addEventListener('click', async () => {
    const final = await go(false);
    if (final?.status === 'done') {
      toast(t('imp.done', { created: final.created, updated: final.updated, tx: final.transactions }), 'success');
    }
  });
}
