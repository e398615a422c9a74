// Helpers several views share.
import { api, unwrap, listAll, ApiError, describeError } from '../api.js';
import { t, bi } from '../i18n.js';
import { html, mount, badge, deptLink, empty, errorBox, fmtDateTime, txLink } from '../ui.js';

/**
 * A listing "as my department" (access requests, grants, usage). The API picks the caller MSP's
 * department only when the MSP has exactly one, and answers 400 when it has several: so with
 * `departments` (the caller MSP's, ctx.can.myDepartmentIds()) each is asked for in parallel and the
 * answers merged. Without them (the API did not say who the caller is) the API is asked to pick,
 * and on its 400 listing the departments, each of those is asked for.
 */
export async function asMyDepartments(path, query = {}, { department, departments, signal } = {}) {
  if (department) return listAll(path, { ...query, department }, { signal });
  if (Array.isArray(departments)) {
    const pages = await Promise.all(departments.map((id) => listAll(path, { ...query, department: id }, { signal })));
    return dedupe(pages.flat());
  }
  try {
    return await listAll(path, query);
  } catch (err) {
    const ids = err instanceof ApiError && err.status === 400 ? err.details?.departments : null;
    if (!Array.isArray(ids) || !ids.length) throw err;
    const all = [];
    for (const id of ids) all.push(...(await listAll(path, { ...query, department: id }, { signal })));
    return dedupe(all);
  }
}

/** JSON with object keys sorted, so equal values compare equal whatever order their keys came in. */
function stableJson(value) {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Whether two JSON values are the same (an editor sends only the fields that are not). */
export const sameValue = (a, b) => stableJson(a) === stableJson(b);

export function dedupe(items) {
  const seen = new Map();
  for (const item of items) seen.set(item.id ?? JSON.stringify(item), item);
  return [...seen.values()];
}

export function departmentOptions(list, { blank } = {}) {
  const options = list.map((d) => ({ value: d.id, label: `${bi(d.name) || d.id} (${d.id})` }));
  return blank === undefined ? options : [{ value: '', label: blank }, ...options];
}

export const SHARE_TYPES = ['unconditional', 'conditional', 'none'];
export const CATALOG_STATUSES = ['draft', 'published', 'deprecated'];
export const REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'withdrawn'];
export const SENSITIVITIES = ['public', 'internal', 'confidential', 'secret'];
export const LEVELS = ['municipal', 'district', 'subdistrict'];
// The chaincode's enums (chaincode/directory/schemas.py); anything else is refused there.
export const OPEN_TYPES = ['open', 'conditional', 'none'];
export const UPDATE_FREQUENCIES = ['realtime', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'irregular'];

export const enumOptions = (kind, values, blank) => [
  ...(blank === undefined ? [] : [{ value: '', label: blank }]),
  ...values.map((v) => ({ value: v, label: t(`${kind}.${v}`) })),
];

/** An item's title, which may be a plain string or {zh, en}. */
export const itemTitle = (item) => (item?.title && typeof item.title === 'object' ? bi(item.title) : item?.title || '');

/** The catalogs behind these ids (id → catalog, or null when it cannot be read), one read each. */
export async function catalogsById(ids, { signal } = {}) {
  const unique = [...new Set(ids.filter(Boolean))];
  const pairs = await Promise.all(unique.map(async (id) => {
    try {
      return [id, unwrap(await api(`/catalogs/${encodeURIComponent(id)}`, { signal }))];
    } catch (err) {
      if (err?.name === 'AbortError') throw err;
      return [id, null];
    }
  }));
  return new Map(pairs);
}

/** A catalog's title in the page's language, with its id underneath; the id alone if unknown. */
export function catalogName(catalogs, id, { link = true } = {}) {
  const c = catalogs?.get(id);
  const title = c ? bi(c.title) || id : id;
  const name = link ? html`<a href="#/catalogs/${encodeURIComponent(id)}">${title}</a>` : html`${title}`;
  return c && title !== id ? html`${name} <span class="mono muted small catalog-id">${id}</span>` : name;
}

/** The items of a request or grant: `[]` means the whole catalog, which is said in words. */
export function itemsLabel(items) {
  if (!Array.isArray(items) || !items.length) return html`<span class="whole-catalog">${t('req.wholeCatalog')}</span>`;
  return items.map((i) => html`<span class="tag mono">${i}</span> `);
}

export const itemsText = (items) => (Array.isArray(items) && items.length ? items.join(', ') : t('req.wholeCatalog'));

/** "DataBureauMSP · Admin" for an actor {msp_id, role, subject} (or a plain string). */
export function actorLabel(actor) {
  if (!actor) return '';
  if (typeof actor !== 'object') return String(actor);
  const role = actor.role ? t(`role.${actor.role}`, null, actor.role) : '';
  return [actor.msp_id, role].filter(Boolean).join(' · ');
}

// --- history ---------------------------------------------------------------------------------

function changedFields(newer, older) {
  if (!older) return [];
  const skip = new Set(['ledger', 'updated_at', 'version']);
  return Object.keys({ ...newer, ...older }).filter((k) => !skip.has(k) && !sameValue(newer?.[k], older?.[k]));
}

/** Who wrote a version: the last actor the record names (a revocation, a decision, a request…). */
function writer(v, e) {
  const actor = v.revoked?.by || v.suspension?.by || v.decision?.by || v.updated_by || v.requested_by || v.created_by;
  return actorLabel(actor) || v.ledger?.creator_msp_id || e.creator_msp_id || '';
}

/**
 * An entity's versions, newest first, as the chaincode's GetHistory gives them
 * ({tx_id, timestamp, is_delete, value, block}). `deptOf(value)`: the department to name.
 */
export function historyTimeline(entries, ctx, { deptOf = (v) => v.department_id } = {}) {
  if (!entries.length) return empty(t('hist.none'));
  return html`<ol class="timeline" id="history-timeline">${entries.map((e, i) => {
    const v = e.value || {};
    const older = entries[i + 1]?.value;
    const changed = changedFields(v, older);
    const who = writer(v, e);
    const dept = deptOf(v);
    return html`<li class="timeline-item" data-tx="${e.tx_id}">
      <div class="timeline-dot" aria-hidden="true"></div>
      <div class="timeline-body">
        <p class="timeline-head"><strong>${e.is_delete ? t('hist.deleted') : t('hist.version', { n: v.version ?? entries.length - i })}</strong>
          ${badge('status', v.status)} <span class="muted">${fmtDateTime(e.timestamp || v.ledger?.timestamp)}</span></p>
        ${who || dept ? html`<p class="small">${t('hist.who')}: ${who ? html`<span class="mono">${who}</span>` : ''}${who && dept ? ' · ' : ''}${dept ? deptLink(ctx.depts, dept) : ''}</p>` : ''}
        <p class="small">${t('ledger.tx')}: ${txLink(e.tx_id, e.block)}</p>
        ${changed.length ? html`<p class="small muted">${t('hist.changed')}: ${changed.map((k, j) => html`${j ? ', ' : ''}<span class="mono">${k}</span>`)}</p>`
    : i === entries.length - 1 ? html`<p class="small muted">${t('hist.created')}</p>` : ''}
      </div></li>`;
  })}</ol>`;
}

/**
 * Loads `path` (an entity's /history) into `host`. A 404 — the route not there yet, or no
 * history for the record — is a short note, not an error: the rest of the page stands.
 */
export async function loadHistory(host, path, ctx, options) {
  try {
    const data = unwrap(await api(path, { signal: ctx.signal }));
    if (!ctx.alive()) return;
    const entries = Array.isArray(data) ? data : data?.items || [];
    mount(host, historyTimeline(entries, ctx, options));
  } catch (err) {
    if (err?.name === 'AbortError' || !ctx.alive()) return;
    if (err instanceof ApiError && (err.status === 404 || err.status === 405 || err.status === 501)) {
      mount(host, html`<p class="empty history-unavailable" id="history-unavailable">${t('hist.unavailable')}</p>`);
    } else {
      mount(host, errorBox(describeError(err)));
    }
  }
}
