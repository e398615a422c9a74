// Helpers several views share.
import { listAll, ApiError } from '../api.js';
import { t, bi } from '../i18n.js';

/**
 * A listing "as my department" (access requests, grants, usage). The API picks the caller MSP's
 * department when it has exactly one; when it has several it answers 400 listing them, and we
 * ask for each in turn.
 */
export async function asMyDepartments(path, query = {}, { department } = {}) {
  if (department) return listAll(path, { ...query, department });
  try {
    return await listAll(path, query);
  } catch (err) {
    const ids = err instanceof ApiError && err.status === 400 ? err.details?.departments : null;
    if (!Array.isArray(ids) || !ids.length) throw err;
    const all = [];
    for (const id of ids) all.push(...(await listAll(path, { ...query, department: id })));
    return all;
  }
}

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
