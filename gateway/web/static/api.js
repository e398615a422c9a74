// The page's only door to the server: /api/v1 with the bearer token from sessionStorage.
import { t } from './i18n.js';

const BASE = '/api/v1';
const TOKEN_KEY = 'citydir.token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) || '',
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, code, message, details = {}, retryable = false) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
    this.retryable = Boolean(retryable);
  }
}

function queryString(query) {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    // The API refuses unknown or empty-but-meaningless parameters, so only send real values.
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function headers(extra = {}) {
  const out = { Accept: 'application/json', ...extra };
  const current = token.get();
  if (current) out.Authorization = `Bearer ${current}`;
  return out;
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const err = body && typeof body === 'object' ? body.error || {} : {};
  const error = new ApiError(
    response.status,
    err.code || `HTTP_${response.status}`,
    err.message || response.statusText || '',
    err.details,
    err.retryable ?? body?.retryable,
  );
  if (response.status === 401) window.dispatchEvent(new CustomEvent('citydir:unauthenticated', { detail: error }));
  return error;
}

/** fetch + JSON; throws ApiError (status 0 for network failures). */
export async function api(path, { method = 'GET', body, query, signal } = {}) {
  const init = { method, headers: headers(), signal, cache: 'no-store' };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  let response;
  try {
    response = await fetch(BASE + path + queryString(query), init);
  } catch (exc) {
    if (exc?.name === 'AbortError') throw exc;
    throw new ApiError(0, 'NETWORK', exc?.message || 'network error');
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(response.status, 'BAD_RESPONSE', 'not JSON');
  }
}

/**
 * The ledger the gateway runs on ('fabric' or 'embedded'), or null when it cannot say. Asked of
 * /readyz: it needs no token (the sign-in page shows the banner too) and names the ledger even
 * when it answers 503.
 */
export async function ledgerKind() {
  try {
    const response = await fetch(`${BASE}/readyz`, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    const body = await response.json();
    return typeof body?.ledger === 'string' ? body.ledger : null;
  } catch {
    return null;
  }
}

/** The entity inside an answer: `{data: X}` → X; anything else as it is. */
export function unwrap(json) {
  return json && typeof json === 'object' && !Array.isArray(json) && 'data' in json ? json.data : json;
}

/** A page in any of the shapes the API may use → {items, bookmark, count}. */
export function asPage(json) {
  let page = json;
  let bookmark = '';
  let count;
  if (page && typeof page === 'object' && !Array.isArray(page) && 'data' in page) {
    bookmark = page.bookmark || '';
    count = page.count;
    page = page.data;
  }
  if (Array.isArray(page)) return { items: page, bookmark, count: count ?? page.length };
  const items = page?.items || page?.results || [];
  return {
    items,
    bookmark: page?.bookmark || page?.next_bookmark || bookmark || '',
    count: page?.count ?? count ?? items.length,
  };
}

export async function getPage(path, query, options = {}) {
  return asPage(await api(path, { ...options, query }));
}

/** Every item of a listing, following bookmarks (bounded, so a huge ledger cannot hang the page). */
export async function listAll(path, query = {}, { max = 2000, signal } = {}) {
  const items = [];
  let bookmark = '';
  do {
    const page = await getPage(path, { ...query, page_size: 200, bookmark }, { signal });
    items.push(...page.items);
    if (!page.items.length || page.bookmark === bookmark) break;
    bookmark = page.bookmark;
  } while (bookmark && items.length < max);
  return items;
}

/** A write: returns {data, tx_id, block} (tolerating a bare entity). */
export async function write(path, body = {}, method = 'POST') {
  const json = await api(path, { method, body });
  if (json && typeof json === 'object' && ('tx_id' in json || 'data' in json)) {
    return { data: json.data, tx_id: json.tx_id || null, block: json.block ?? null };
  }
  return { data: json, tx_id: null, block: null };
}

/**
 * What an error says to a person: `message`, a sentence in the page's language, and `detail`, the
 * server's own (English) words, kept only where they add something the sentence cannot say (which
 * field, which peer). String(it) gives both, for the few places that want plain text.
 */
export class ErrorText {
  constructor(message, detail = '') {
    this.message = message;
    this.detail = detail || '';
  }

  toString() {
    return this.detail ? `${this.message} (${this.detail})` : this.message;
  }
}

const ROLE_KEYS = { admin: 'err.role.admin', 'admin or client': 'err.role.member', client: 'err.role.client' };
// A retryable 409 is the gateway's word for "another transaction changed what this one read".
const CONCURRENT = new Set(['MVCC_READ_CONFLICT', 'PHANTOM_READ_CONFLICT']);

function entityLabel(entity) {
  return t(`entity.${entity}`, null, entity);
}

function peerList(peers) {
  return (peers || []).slice(0, 3).map((p) => [p.msp_id || p.peer || p.address || '', p.message || ''].filter(Boolean).join(': ')).join('; ');
}

/** The API's error (code, status, details) → a sentence in the page's language (see gateway/api/errors.py). */
export function describeError(error) {
  if (error instanceof ErrorText) return error;
  if (!(error instanceof ApiError)) return new ErrorText(t('err.unexpected'), error?.message || String(error ?? ''));
  if (error.status === 0) return new ErrorText(t('err.network'));
  const d = error.details || {};
  const serverSays = error.message || '';
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return new ErrorText(t('err.code.UNAUTHENTICATED'));
    case 'FORBIDDEN':
      if (d.required_msp && ROLE_KEYS[d.required_role]) {
        return new ErrorText(t('err.forbiddenRole', { msp: d.required_msp, role: t(ROLE_KEYS[d.required_role]) }));
      }
      return new ErrorText(t('err.code.FORBIDDEN'), serverSays);
    case 'NOT_FOUND':
      if (d.entity && d.id) return new ErrorText(t('err.notFoundEntity', { what: entityLabel(d.entity), id: d.id }));
      return new ErrorText(t('err.code.NOT_FOUND'));
    case 'CONFLICT':
      if (error.retryable || CONCURRENT.has(d.validation_code)) return new ErrorText(t('err.concurrent'));
      if (d.id && /already exists/.test(serverSays)) return new ErrorText(t('err.exists', { id: d.id }));
      return new ErrorText(t('err.code.CONFLICT'), serverSays);
    case 'FAILED_PRECONDITION':
      if (d.id && d.status) return new ErrorText(t('err.stateNow', { id: d.id, status: t(`status.${d.status}`, null, d.status) }));
      return new ErrorText(t('err.code.FAILED_PRECONDITION'), serverSays);
    case 'INVALID_ARGUMENT': {
      const field = d.field || d.parameter || (Array.isArray(d.errors) && d.errors[0]?.path) || '';
      const listed = Array.isArray(d.errors) && d.errors.length
        ? d.errors.slice(0, 3).map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ') : serverSays;
      return new ErrorText(field ? t('err.invalidField', { field }) : t('err.code.INVALID_ARGUMENT'), listed);
    }
    case 'TRANSACTION_INVALID': {
      const code = d.validation_code || '';
      const reason = t(`err.txr.${code}`, null, '') || t('err.txr.other', { code: code || '?' });
      return new ErrorText(t('err.code.TRANSACTION_INVALID', { reason }));
    }
    case 'ENDORSEMENT_FAILED':
      return new ErrorText(t('err.code.ENDORSEMENT_FAILED'), peerList(d.peers) || serverSays);
    case 'UNAVAILABLE':
      return new ErrorText(t('err.code.UNAVAILABLE'), peerList(d.peers));
    case 'COMMIT_STATUS_UNKNOWN':
      return new ErrorText(t('err.code.COMMIT_STATUS_UNKNOWN'), d.tx_id ? `tx ${d.tx_id}` : '');
    case 'INTERNAL':
    case 'BAD_RESPONSE':
      return new ErrorText(t(`err.code.${error.code}`));
    default: // PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, …: a sentence per code, else the status
      return new ErrorText(t(`err.code.${error.code}`, null, '') || t('err.status', { status: error.status }), serverSays);
  }
}

/**
 * Server-Sent Events over fetch(): EventSource cannot send the Authorization header, and the
 * token must never go in a URL. Resolves when the stream ends; rejects with ApiError on a bad answer.
 */
export async function streamEvents(path, { onEvent, onOpen, signal, lastEventId } = {}) {
  const extra = { Accept: 'text/event-stream' };
  if (lastEventId) extra['Last-Event-ID'] = lastEventId;
  let response;
  try {
    response = await fetch(BASE + path, { headers: headers(extra), signal, cache: 'no-store' });
  } catch (exc) {
    if (exc?.name === 'AbortError') throw exc;
    throw new ApiError(0, 'NETWORK', exc?.message || 'network error');
  }
  if (!response.ok) throw await errorFrom(response);
  if (!response.body) throw new ApiError(response.status, 'BAD_RESPONSE', 'not JSON');
  onOpen?.();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = { type: 'message', data: [], id: null };
  const dispatch = () => {
    if (event.data.length) {
      const text = event.data.join('\n');
      let data = text;
      try {
        data = JSON.parse(text);
      } catch {
        /* not JSON: keep the text */
      }
      onEvent?.({ type: event.type, id: event.id, data });
    }
    event = { type: 'message', data: [], id: null };
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      if (!match) break;
      // A lone \r at the very end may be the first half of \r\n: wait for the next chunk.
      if (match[0] === '\r' && match.index === buffer.length - 1) break;
      const line = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      if (line === '') {
        dispatch();
        continue;
      }
      if (line.startsWith(':')) continue; // heartbeat comment
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') event.data.push(val);
      else if (field === 'event') event.type = val || 'message';
      else if (field === 'id') event.id = val;
    }
  }
}

/** The file name a Content-Disposition header gives (filename*=UTF-8''… preferred), or ''. */
export function dispositionFilename(header) {
  const text = String(header || '');
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)?''([^;]+)/.exec(text);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
    } catch {
      /* a malformed escape: fall back to the plain parameter */
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/.exec(text);
  return plain ? (plain[2] ?? plain[1]).trim() : '';
}

/** GET a file with the token: {blob, filename}. Throws ApiError like api(). */
export async function download(path, { signal } = {}) {
  let response;
  try {
    response = await fetch(BASE + path, { headers: headers({ Accept: 'application/zip, application/octet-stream' }), signal, cache: 'no-store' });
  } catch (exc) {
    if (exc?.name === 'AbortError') throw exc;
    throw new ApiError(0, 'NETWORK', exc?.message || 'network error');
  }
  if (!response.ok) throw await errorFrom(response);
  const blob = await response.blob();
  return { blob, filename: dispositionFilename(response.headers.get('Content-Disposition')) };
}

/** POST raw bytes (a Blob) and read the JSON answer. */
export async function postBlob(path, blob, { contentType = 'application/octet-stream', query, signal } = {}) {
  let response;
  try {
    response = await fetch(BASE + path + queryString(query), {
      method: 'POST', headers: headers({ 'Content-Type': contentType }), body: blob, signal, cache: 'no-store',
    });
  } catch (exc) {
    if (exc?.name === 'AbortError') throw exc;
    throw new ApiError(0, 'NETWORK', exc?.message || 'network error');
  }
  if (!response.ok) throw await errorFrom(response);
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(response.status, 'BAD_RESPONSE', 'not JSON');
  }
}

/** Hand a Blob to the browser as a download named `filename`. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename || 'download';
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: the download needs the URL a moment after click().
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
