// Shared building blocks: escaped HTML templates, badges, ledger links, toasts, dialogs, form checks.
import { t, bi } from './i18n.js';
import { describeError, ErrorText } from './api.js';

class Safe {
  constructor(text) {
    this.text = text;
  }
  toString() {
    return this.text;
  }
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (value) => String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
export const raw = (text) => new Safe(String(text));

function part(value) {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Safe) return value.text;
  if (Array.isArray(value)) return value.map(part).join('');
  return esc(value);
}

/** Tagged template: every interpolation is escaped unless it is already Safe (nested html``). */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => {
    out += part(value) + strings[i + 1];
  });
  return new Safe(out);
}

export function mount(element, content) {
  element.innerHTML = part(content);
  return element;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

// --- formatting ------------------------------------------------------------------------------

const pad = (n) => String(n).padStart(2, '0');

/**
 * The page's one way of writing a moment: ISO 8601, the same in both languages and never
 * ambiguous (01/03 is January in one country and March in another; 2027-03-01 is not).
 * A date (`time: false`) is the ledger's UTC day: a date picked as 2027-03-01 is stored as
 * 2027-03-01T23:59:59Z (dateToIso) and reads 2027-03-01 wherever the reader is. A date-time
 * (`time: true`) is the reader's local time to the minute: 2027-03-01 14:05.
 */
export function fmtTime(value, { time = false } = {}) {
  if (!value) return '—';
  if (!time && /^\d{4}-\d{2}-\d{2}$/.test(String(value))) return String(value);
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  if (!time) return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export const fmtDate = (value) => fmtTime(value);
export const fmtDateTime = (value) => fmtTime(value, { time: true });

export const shortId = (id, n = 10) => (id && id.length > n + 2 ? `${id.slice(0, n)}…` : id || '');

export function daysUntil(value) {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return null;
  return Math.ceil((d.getTime() - Date.now()) / 86400000);
}

/** A date input's value (YYYY-MM-DD) → end of that day in UTC, as the chaincode's timestamps are. */
export const dateToIso = (value) => (value ? `${value}T23:59:59Z` : undefined);

export const today = () => new Date().toISOString().slice(0, 10);
export const addDays = (days) => new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);

// --- small components ------------------------------------------------------------------------

const KNOWN_BADGES = /^(share|sensitivity|status|level|open|role)$/;

export function badge(kind, value) {
  if (!value) return '';
  const cls = KNOWN_BADGES.test(kind) ? `badge badge-${kind} badge-${esc(value)}` : 'badge';
  return html`<span class="${raw(cls)}">${t(`${kind}.${value}`, null, value)}</span>`;
}

export function txLink(txId, block) {
  if (!txId) return html`<span class="muted">—</span>`;
  return html`<a class="tx-link mono" href="#/tx/${encodeURIComponent(txId)}" title="${txId}">${shortId(txId, 12)}</a>${
    block !== undefined && block !== null ? html` <span class="muted">· ${t('ledger.block')} ${block}</span>` : ''
  }`;
}

/** A transaction's validation code as a badge: VALID green, any other code red. */
export function validationBadge(code) {
  if (!code) return '';
  const valid = code === 'VALID';
  return html`<span class="badge badge-tx ${valid ? 'badge-valid' : code === 'pending' ? 'badge-pending' : 'badge-invalid'}" data-validation="${code}">${
    t(`tx.${code}`, null, code)}</span>`;
}

/** The ledger the page runs on, as app.js learnt it ('fabric', 'embedded' or ''). */
export const currentLedger = () => document.body?.dataset?.ledger || '';

/**
 * Who endorsed a transaction: MSP ids as tags. None on the embedded ledger (nobody endorses
 * there), which is said in words; `undefined`/`null` (not known) is a dash.
 */
export function endorsersLabel(endorsers, { short = false } = {}) {
  if (!Array.isArray(endorsers)) return html`<span class="muted">—</span>`;
  if (!endorsers.length) {
    const why = !short && currentLedger() === 'embedded';
    return html`<span class="muted endorsers-none">${why ? t('prov.noEndorsersEmbedded') : t('prov.noEndorsers')}</span>`;
  }
  return html`<span class="endorsers">${endorsers.map((msp) => html`<span class="tag mono endorser">${msp}</span> `)}</span>`;
}

/**
 * "tx … · block N · time" of an entity's last write, and its provenance: the block, the
 * validation code and the endorsing MSPs (when the API gives them).
 */
export function ledgerMeta(ledger) {
  if (!ledger) return '';
  const known = ledger.validation_code || ledger.block !== undefined || Array.isArray(ledger.endorsers);
  return html`<div class="ledger-meta"><p class="ledger-meta-line"><span class="ledger-meta-label">${t('ledger.lastWrite')}</span>
    ${txLink(ledger.tx_id, ledger.block)}${ledger.timestamp ? html` <span class="muted">· ${fmtDateTime(ledger.timestamp)}</span>` : ''}</p>
    ${known ? html`<dl class="provenance" data-tx="${ledger.tx_id || ''}">
      <dt>${t('prov.block')}</dt><dd class="prov-block">${ledger.block ?? '—'}</dd>
      <dt>${t('prov.validation')}</dt><dd class="prov-validation">${validationBadge(ledger.validation_code) || html`<span class="muted">—</span>`}</dd>
      <dt>${t('prov.endorsers')}</dt><dd class="prov-endorsers">${endorsersLabel(ledger.endorsers)}</dd></dl>` : ''}</div>`;
}

export function deptLabel(depts, id) {
  const d = depts.get(id);
  return d ? bi(d.name) || id : id || '—';
}

export function deptLink(depts, id) {
  if (!id) return '—';
  return html`<a href="#/departments/${encodeURIComponent(id)}">${deptLabel(depts, id)}</a>`;
}

export const loading = () => html`<p class="loading" role="status">${t('common.loading')}</p>`;

/** An error's sentence, and the server's words as a secondary, smaller line where they help. */
export function errorContent(message) {
  const e = message instanceof ErrorText ? message : null;
  if (!e) return html`${message}`;
  return html`<span class="err-message">${e.message}</span>${e.detail ? html`<span class="err-detail"><span class="err-detail-label">${
    t('err.detail')}:</span> <span lang="en">${e.detail}</span></span>` : ''}`;
}

export function errorBox(message) {
  return html`<div class="alert alert-error" role="alert">${errorContent(message)}</div>`;
}

export function empty(text) {
  return html`<p class="empty">${text}</p>`;
}

// --- toasts ----------------------------------------------------------------------------------

// How long a toast stays (ms): long enough to read, then out of the way. Hovering or focusing
// one holds it; every toast has a close button.
const TOAST_MS = { success: 5000, info: 5000, error: 10000 };

function paintToast(node) {
  const body = node.querySelector('.toast-body');
  const value = node.citydirMessage();
  mount(body, errorContent(value));
}

/**
 * A short message. `message` is text, an ErrorText, or a function returning either: a function
 * is called again when the language changes (relabelToasts), so no toast outlives its language.
 * On wide screens toasts float bottom right; on phones they sit in the page's flow above the
 * content (style.css), so they never cover it.
 */
export function toast(message, kind = 'info', { timeout } = {}) {
  const host = document.getElementById('toasts');
  if (!host) return;
  const node = document.createElement('div');
  node.className = `toast toast-${kind}`;
  if (kind === 'error') node.setAttribute('role', 'alert');
  node.citydirMessage = typeof message === 'function' ? message : () => message;
  const body = document.createElement('span');
  body.className = 'toast-body';
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'toast-close';
  close.setAttribute('aria-label', t('common.dismiss'));
  close.textContent = '×';
  close.addEventListener('click', () => node.remove());
  node.append(body, close);
  paintToast(node);
  host.append(node);
  // A few at a time: older ones give way (errors last, as they matter most).
  const nodes = Array.from(host.children);
  const extra = nodes.length - 4;
  nodes.filter((n) => !n.classList.contains('toast-error')).slice(0, Math.max(0, extra)).forEach((n) => n.remove());
  const ms = timeout ?? TOAST_MS[kind] ?? TOAST_MS.info;
  let timer = 0;
  const arm = () => {
    clearTimeout(timer);
    if (ms) timer = setTimeout(() => node.remove(), ms);
  };
  const hold = () => clearTimeout(timer);
  node.addEventListener('mouseenter', hold);
  node.addEventListener('mouseleave', arm);
  node.addEventListener('focusin', hold);
  node.addEventListener('focusout', arm);
  arm();
  // On a phone the toasts are in the flow at the top: bring them into view if scrolled away.
  if (getComputedStyle(host).position === 'static' && host.getBoundingClientRect().top < 0) {
    host.scrollIntoView({ block: 'start' });
  }
}

/** A failed call's message, in the page's language (and again in the other one, if it changes). */
export const toastError = (err) => toast(() => describeError(err), 'error');

/** Re-word every toast in the language just chosen. */
export function relabelToasts() {
  const host = document.getElementById('toasts');
  if (!host) return;
  for (const node of host.children) {
    if (typeof node.citydirMessage === 'function') paintToast(node);
    node.querySelector('.toast-close')?.setAttribute('aria-label', t('common.dismiss'));
  }
}

export function clearToasts() {
  const host = document.getElementById('toasts');
  if (host) host.replaceChildren();
}

// --- dialogs ---------------------------------------------------------------------------------

/**
 * A modal form asking for a reason (and optionally a date). Resolves with the values, or null.
 * `fields`: [{name, label, type: 'textarea'|'date'|'text', required, value, min}]
 */
export function askDialog({ title, message = '', fields = [], confirm = t('common.confirm'), danger = false }) {
  return new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    dialog.className = 'dialog';
    const uid = `dlg-${Math.random().toString(36).slice(2, 8)}`;
    mount(dialog, html`<form method="dialog" novalidate>
      <h2 id="${uid}-title">${title}</h2>
      ${message ? html`<p>${message}</p>` : ''}
      ${fields.map((f) => control({ ...f, id: `${uid}-${f.name}` }))}
      <div class="form-actions">
        <button type="button" class="btn" data-cancel>${t('common.cancel')}</button>
        <button type="submit" class="btn ${danger ? 'btn-danger' : 'btn-primary'}">${confirm}</button>
      </div>
    </form>`);
    dialog.setAttribute('aria-labelledby', `${uid}-title`);
    document.body.append(dialog);
    const form = dialog.querySelector('form');
    let result = null;
    dialog.querySelector('[data-cancel]').addEventListener('click', () => dialog.close());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!checkForm(form)) return;
      result = formValues(form);
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    dialog.showModal();
    const first = form.querySelector('input, textarea, select');
    (first || form.querySelector('button[type=submit]')).focus();
  });
}

// --- forms -----------------------------------------------------------------------------------

export const SLUG = '^[a-z][a-z0-9-]{1,62}$';

/**
 * A labelled control. type: text|email|tel|date|number|textarea|select|checkbox.
 * options (select): [{value, label}]; `check`: slug|email|future (validated by checkForm).
 */
export function control({ id, name, label, type = 'text', value = '', required = false, options = [],
  hint = '', check = '', placeholder = '', min, max, disabled = false, rows = 3, lang, wide = false, checked = false }) {
  const describedBy = [hint ? `${id}-hint` : '', `${id}-err`].filter(Boolean).join(' ');
  const common = html`id="${id}" name="${name}" aria-describedby="${describedBy}"${required ? raw(' required aria-required="true"') : ''}${
    disabled ? raw(' disabled') : ''}${check ? html` data-check="${check}"` : ''}${lang ? html` lang="${lang}"` : ''}`;
  let input;
  if (type === 'textarea') {
    input = html`<textarea ${common} rows="${rows}" placeholder="${placeholder}">${value ?? ''}</textarea>`;
  } else if (type === 'select') {
    input = html`<select ${common}>${options.map((o) => html`<option value="${o.value}"${
      String(o.value) === String(value ?? '') ? raw(' selected') : ''}>${o.label}</option>`)}</select>`;
  } else if (type === 'checkbox') {
    return html`<div class="field field-check"><input type="checkbox" ${common} value="${value}"${
      checked ? raw(' checked') : ''}><label for="${id}">${label}</label></div>`;
  } else {
    input = html`<input type="${type}" ${common} value="${value ?? ''}" placeholder="${placeholder}"${
      min !== undefined ? html` min="${min}"` : ''}${max !== undefined ? html` max="${max}"` : ''}${
      check === 'slug' ? html` pattern="${SLUG}" autocomplete="off" spellcheck="false"` : ''}>`;
  }
  return html`<div class="field${wide ? ' field-wide' : ''}">
    <label for="${id}">${label}${required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</label>
    ${input}
    ${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}
    <p class="field-error" id="${id}-err" hidden></p>
  </div>`;
}

function problem(el) {
  const value = el.type === 'checkbox' ? el.checked : (el.value || '').trim();
  if (el.required && !value) return t('v.required');
  if (!value) return '';
  const check = el.dataset.check || '';
  if (check === 'slug' && !new RegExp(SLUG).test(value)) return t('v.slug');
  if ((el.type === 'email' || check === 'email') && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) return t('v.email');
  if (el.type === 'date') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(new Date(value).getTime())) return t('v.date');
    if (check === 'future' && value < today()) return t('v.future');
  }
  if (el.type === 'number' && value !== '' && Number.isNaN(Number(value))) return t('v.number');
  if (el.type === 'number' && el.min !== '' && Number(value) < Number(el.min)) return t('v.min', { min: el.min });
  return '';
}

export function setFieldError(el, message) {
  const box = el.form?.querySelector(`#${CSS.escape(el.id)}-err`) || document.getElementById(`${el.id}-err`);
  el.setAttribute('aria-invalid', message ? 'true' : 'false');
  if (box) {
    box.textContent = message || '';
    box.hidden = !message;
  }
}

/** Validates every control (plus `extra(form)` → {name: message}); shows messages; focuses the first bad one. */
export function checkForm(form, extra) {
  let first = null;
  for (const el of form.querySelectorAll('input, select, textarea')) {
    if (!el.id || el.disabled) continue;
    const message = problem(el);
    setFieldError(el, message);
    if (message && !first) first = el;
  }
  const more = extra ? extra(form) || {} : {};
  for (const [name, message] of Object.entries(more)) {
    const el = form.elements[name];
    const target = el instanceof RadioNodeList ? el[0] : el;
    if (target && message) {
      setFieldError(target, message);
      if (!first) first = target;
    }
  }
  if (first) first.focus();
  return !first;
}

export function formValues(form) {
  const out = {};
  for (const el of form.querySelectorAll('input, select, textarea')) {
    if (!el.name || el.disabled) continue;
    if (el.type === 'checkbox') {
      (out[el.name] ||= []);
      if (el.checked) out[el.name].push(el.value);
    } else {
      out[el.name] = el.value.trim();
    }
  }
  return out;
}

/** Disable a form's buttons while `task` runs, so a write is not sent twice. */
export async function busy(form, task) {
  const buttons = form ? Array.from(form.querySelectorAll('button')) : [];
  buttons.forEach((b) => { b.disabled = true; });
  form?.setAttribute('aria-busy', 'true');
  try {
    return await task();
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    form?.removeAttribute('aria-busy');
  }
}
