// Router and session state. Views get everything they need in `ctx`; none imports this module.
import { t, getLang, setLang, applyStatic, bi } from './i18n.js';
import { api, token, unwrap, listAll, describeError, ApiError, ledgerKind } from './api.js';
import {
  html, mount, toast, toastError, clearToasts, relabelToasts, errorBox, loading, $, badge,
} from './ui.js';
import * as signin from './views/signin.js';
import * as dashboard from './views/dashboard.js';
import * as directory from './views/directory.js';
import * as catalogs from './views/catalogs.js';
import * as access from './views/access.js';
import * as admin from './views/admin.js';
import * as ledger from './views/ledger.js';
import * as importView from './views/import.js';

const DATA_BUREAU_MSP = 'DataBureauMSP';

const state = {
  me: null, // {known, msp_id, role, label}
  depts: new Map(),
  deptList: [],
};

// [pattern, view, nav key]. The first match wins, so specific paths come before /:id.
const ROUTES = [
  [/^\/?$/, dashboard.render, 'dashboard'],
  [/^\/directory$/, directory.renderTree, 'directory'],
  [/^\/departments\/([^/]+)\/responsibilities\/new$/, directory.renderResponsibilityForm, 'directory'],
  [/^\/departments\/([^/]+)$/, directory.renderDepartment, 'directory'],
  [/^\/responsibilities\/([^/]+)\/edit$/, directory.renderResponsibilityForm, 'directory'],
  [/^\/catalogs$/, catalogs.renderList, 'catalogs'],
  [/^\/catalogs\/new$/, catalogs.renderForm, 'catalogs'],
  [/^\/catalogs\/([^/]+)\/edit$/, catalogs.renderForm, 'catalogs'],
  [/^\/catalogs\/([^/]+)\/request$/, catalogs.renderRequest, 'catalogs'],
  [/^\/catalogs\/([^/]+)$/, catalogs.renderDetail, 'catalogs'],
  [/^\/access(?:\/(inbox|outbox|grants|usage|check))?$/, access.render, 'access'],
  [/^\/requests\/([^/]+)$/, access.renderRequest, 'access'],
  [/^\/grants\/([^/]+)$/, access.renderGrant, 'access'],
  [/^\/usage\/([^/]+)$/, access.renderUsage, 'access'],
  [/^\/admin$/, admin.renderList, 'admin'],
  [/^\/admin\/new$/, admin.renderForm, 'admin'],
  [/^\/admin\/([^/]+)\/edit$/, admin.renderForm, 'admin'],
  [/^\/import$/, importView.render, 'import'],
  [/^\/ledger$/, ledger.render, 'ledger'],
  [/^\/tx\/([^/]+)$/, ledger.renderTx, 'ledger'],
];

const NAV = [
  ['dashboard', '#/'],
  ['directory', '#/directory'],
  ['catalogs', '#/catalogs'],
  ['access', '#/access/inbox'],
  ['admin', '#/admin'],
  ['import', '#/import'],
  ['ledger', '#/ledger'],
];

// --- permissions: only to hide what cannot work; the chaincode is the real enforcement --------

const can = {
  /** Register/edit/suspend departments. */
  bureauAdmin: () => !state.me?.known || (state.me.role === 'admin' && state.me.msp_id === DATA_BUREAU_MSP),
  /** Manage a department's responsibilities and catalogs; decide on requests for its catalogs. */
  manageDept: (deptId) => {
    if (!state.me?.known) return true;
    const dept = state.depts.get(deptId);
    return state.me.role === 'admin' && Boolean(dept) && dept.msp_id === state.me.msp_id;
  },
  /** File requests / record usage on behalf of a department. */
  actFor: (deptId) => {
    if (!state.me?.known) return true;
    const dept = state.depts.get(deptId);
    return Boolean(dept) && dept.msp_id === state.me.msp_id;
  },
  /** Departments the caller may act for (all of them when the API does not say who the caller is). */
  myDepartments: () => (state.me?.known
    ? state.deptList.filter((d) => d.msp_id === state.me.msp_id)
    : state.deptList.slice()),
  /**
   * The ids of the caller MSP's departments, for listings "as my department" (requests, grants,
   * usage): one query per department, since the API will not pick one for an MSP that has several.
   * Undefined when the API does not say who the caller is (then the API is asked to pick).
   */
  myDepartmentIds: () => {
    if (!state.me?.known) return undefined;
    const ids = new Set(state.deptList.filter((d) => d.msp_id === state.me.msp_id).map((d) => d.id));
    for (const id of state.me.departments || []) ids.add(id);
    return [...ids].sort();
  },
};

async function loadDepartments() {
  const list = await listAll('/departments');
  state.deptList = list.sort((a, b) => String(a.id).localeCompare(String(b.id)));
  state.depts = new Map(list.map((d) => [d.id, d]));
}

function normalizeIdentity(who) {
  if (!who || typeof who !== 'object') return { known: false };
  const identity = who.identity && typeof who.identity === 'object' ? who.identity : who;
  const msp = identity.msp_id || identity.mspId || identity.msp || '';
  const role = identity.role || identity.ou || '';
  const departments = Array.isArray(identity.departments) ? identity.departments.map(String) : undefined;
  return msp ? { known: true, msp_id: msp, role, label: identity.label || '', departments } : { known: false };
}

/** The embedded ledger has none of Fabric's guarantees: every page says so, in a banner. */
function showLedger(kind) {
  if (!kind) return; // unknown: keep what is shown
  // On <body> too: styles and the browser tests can tell which ledger the page has learnt.
  document.body.dataset.ledger = kind;
  $('#ledger-banner').hidden = kind !== 'embedded';
}

/** Verifies the token with a read any identity may do, then asks who it is (if the API can say). */
async function loadIdentity() {
  await loadDepartments();
  let me = { known: false };
  try {
    const who = unwrap(await api('/whoami'));
    me = normalizeIdentity(who);
    showLedger(who?.ledger);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) throw err;
    // No whoami route (404) or any other failure: stay "signed in" without an identity.
  }
  state.me = me;
}

function renderIdentity() {
  const host = $('#identity');
  const signedIn = Boolean(token.get() && state.me);
  $('#signout').hidden = !signedIn;
  $('#main-nav').hidden = !signedIn;
  $('#nav-toggle').hidden = !signedIn;
  if (!signedIn) {
    mount(host, '');
    return;
  }
  const me = state.me;
  if (!me.known) {
    mount(host, html`<span class="who">${t('auth.signedIn')}</span>`);
    return;
  }
  const mine = state.deptList.filter((d) => d.msp_id === me.msp_id);
  // An MSP may host many departments: name its own (DataBureauMSP -> data-bureau) and count the rest,
  // so the header stays one line; the full list is in the tooltip.
  const own = me.msp_id.toLowerCase().replace(/msp$/, '');
  const first = mine.find((d) => d.id.replace(/-/g, '') === own) || mine[0];
  const all = mine.map((d) => bi(d.name) || d.id).join(', ');
  const label = first ? (bi(first.name) || first.id) + (mine.length > 1 ? ` +${mine.length - 1}` : '') : '';
  mount(host, html`${label ? html`<span class="who" title="${all}">${label}</span>` : ''}
    <span class="mono msp">${me.msp_id}</span> ${badge('role', me.role)}`);
}

function renderNav(active) {
  const items = NAV.filter(([key]) => key !== 'admin' || can.bureauAdmin());
  mount($('#main-nav'), html`<ul>${items.map(([key, href]) => html`<li><a href="${href}"${
    key === active ? html` aria-current="page" class="active"` : ''}>${t(`nav.${key}`)}</a></li>`)}</ul>`);
}

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs = ''] = raw.split('?');
  return { path, query: Object.fromEntries(new URLSearchParams(qs)) };
}

let generation = 0;
let cleanup = null;
let controller = null;

function stopCurrent() {
  generation += 1;
  try {
    cleanup?.();
  } catch {
    /* a view's cleanup must not break navigation */
  }
  cleanup = null;
  controller?.abort();
  controller = null;
}

async function showSignin(message) {
  stopCurrent();
  state.me = null;
  renderIdentity();
  document.title = `${t('auth.title')} · citydir`;
  signin.render($('#main'), {
    message,
    onSignIn: async (value) => {
      token.set(value);
      try {
        await loadIdentity();
      } catch (err) {
        token.clear();
        state.me = null;
        throw err;
      }
      clearToasts(); // the previous identity's messages do not concern this one
      toast(() => t('auth.welcome'), 'success');
      await route();
    },
  });
}

// --- a page re-read after a failed write keeps what the user typed -------------------------------

/** The controls in `root` whose value the user changed from what the page rendered. */
function snapshotEdits(root) {
  const edits = [];
  for (const el of root.querySelectorAll('input, select, textarea')) {
    if (!el.id || el.disabled || el.type === 'password' || el.type === 'file') continue;
    if (el.type === 'checkbox' || el.type === 'radio') {
      if (el.checked !== el.defaultChecked) edits.push({ id: el.id, checked: el.checked });
    } else if (el.tagName === 'SELECT') {
      const initial = Array.from(el.options).find((o) => o.defaultSelected)?.value ?? el.options[0]?.value ?? '';
      if (el.value !== initial) edits.push({ id: el.id, value: el.value });
    } else if (el.value !== el.defaultValue) {
      edits.push({ id: el.id, value: el.value });
    }
  }
  return edits;
}

/** Puts the user's edits back on the freshly rendered page (in page order: a select may fill the next). */
function restoreEdits(root, edits) {
  for (const edit of edits) {
    const el = root.querySelector(`#${CSS.escape(edit.id)}`);
    if (!el || el.disabled) continue;
    if ('checked' in edit && (el.type === 'checkbox' || el.type === 'radio')) el.checked = edit.checked;
    else if ('value' in edit) el.value = edit.value;
    else continue;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }
}

// --- not found ---------------------------------------------------------------------------------

const LIST_OF = { catalogs: '#/catalogs', directory: '#/directory', access: '#/access/inbox', admin: '#/admin', ledger: '#/ledger' };
const ENTITY_OF = { catalogs: 'catalog', directory: 'department', admin: 'department', access: 'request' };

/** What was not found, and the ways back: the list it belongs to, the previous page, the dashboard. */
function renderNotFound(main, { nav, err, id }) {
  const entity = err?.details?.entity || ENTITY_OF[nav];
  const what = err?.details?.id || id;
  const heading = entity && what ? t('nf.entity', { what: t(`entity.${entity}`, null, entity), id: what }) : t('nf.page');
  document.title = `${heading} · citydir`;
  const list = LIST_OF[nav];
  mount(main, html`<section class="card not-found" id="not-found" data-entity="${entity || ''}">
    <h1 tabindex="-1">${heading}</h1>
    <p>${entity && what ? t('nf.lead') : t('nf.pageLead')}</p>
    <p class="actions">${list ? html`<a class="btn btn-primary" id="not-found-list" href="${list}">${t(`nf.back.${nav}`)}</a>` : ''}
      ${history.length > 1 ? html`<button type="button" class="btn" id="not-found-back">${t('common.back')}</button>` : ''}
      <a class="btn" href="#/">${t('nf.back.dashboard')}</a></p>
  </section>`);
  $('#not-found-back', main)?.addEventListener('click', () => history.back());
}

/** Renders the current hash. `keepEdits`: a re-read after a failed write, keeping what was typed. */
async function route({ keepEdits = false } = {}) {
  if (!token.get()) {
    await showSignin();
    return;
  }
  if (!state.me) {
    mount($('#main'), loading());
    try {
      await loadIdentity();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        token.clear();
        await showSignin(t('auth.expired'));
        return;
      }
      stopCurrent();
      renderIdentity();
      mount($('#main'), html`<h1 tabindex="-1">${t('app.title')}</h1>${errorBox(describeError(err))}
        <p><button type="button" class="btn" id="retry-load">${t('common.retry')}</button></p>`);
      $('#retry-load').addEventListener('click', () => route());
      return;
    }
  }
  const edits = keepEdits ? snapshotEdits($('#main')) : [];
  stopCurrent();
  const gen = generation;
  controller = new AbortController();
  const { path, query } = parseHash();
  const match = ROUTES.map(([re, view, nav]) => ({ m: re.exec(path), view, nav })).find((r) => r.m);
  renderIdentity();
  renderNav(match?.nav);
  closeMobileNav();
  const main = $('#main');
  if (!match) {
    renderNotFound(main, {});
    focusHeading(main);
    return;
  }
  mount(main, loading());
  const ctx = {
    params: match.m.slice(1).map((p) => (p === undefined ? p : decodeURIComponent(p))),
    query,
    me: state.me,
    can,
    depts: state.depts,
    get deptList() {
      return state.deptList;
    },
    signal: controller.signal,
    alive: () => gen === generation,
    navigate: (hash) => {
      if (location.hash === hash) route();
      else location.hash = hash;
    },
    refresh: ({ keepEdits: keep = false } = {}) => route({ keepEdits: keep }),
    reloadDepartments: async () => {
      await loadDepartments();
      ctx.depts = state.depts;
    },
    setTitle: (text) => {
      document.title = `${text} · citydir`;
    },
  };
  try {
    const result = await match.view(main, ctx);
    if (gen === generation) {
      cleanup = typeof result === 'function' ? result : null;
      if (edits.length) restoreEdits(main, edits);
      focusHeading(main);
    } else if (typeof result === 'function') {
      result();
    }
  } catch (err) {
    if (gen !== generation || err?.name === 'AbortError') return;
    if (err instanceof ApiError && err.status === 401) return; // the sign-in page is on its way
    if (err instanceof ApiError && err.status === 404) {
      renderNotFound(main, { nav: match.nav, err, id: ctx.params[0] });
      focusHeading(main);
      return;
    }
    mount(main, html`<h1 tabindex="-1">${t('common.error')}</h1>${errorBox(describeError(err))}
      <p><button type="button" class="btn" id="retry-view">${t('common.retry')}</button></p>`);
    $('#retry-view').addEventListener('click', () => route());
    focusHeading(main);
  }
}

// After navigation, move focus to the page's heading so keyboard and screen-reader users land there.
let firstRender = true;
function focusHeading(main) {
  if (firstRender) {
    firstRender = false;
    return;
  }
  const heading = main.querySelector('h1');
  if (heading) {
    if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: false });
  }
}

function closeMobileNav() {
  $('#main-nav').classList.remove('open');
  $('#nav-toggle').setAttribute('aria-expanded', 'false');
}

function updateLangButton() {
  const button = $('#lang-toggle');
  const other = getLang() === 'zh' ? 'en' : 'zh';
  button.textContent = other === 'zh' ? '中文' : 'English';
  button.lang = other === 'zh' ? 'zh-CN' : 'en';
  button.setAttribute('aria-label', t('lang.switch'));
}

function start() {
  applyStatic(document);
  updateLangButton();
  ledgerKind().then(showLedger); // before sign-in too; whoami confirms it afterwards
  $('#lang-toggle').addEventListener('click', () => {
    setLang(getLang() === 'zh' ? 'en' : 'zh');
    applyStatic(document);
    updateLangButton();
    relabelToasts();
    if (token.get() && state.me) route();
    else showSignin();
  });
  $('#signout').addEventListener('click', () => {
    token.clear();
    state.me = null;
    clearToasts();
    toast(() => t('auth.signedOut'), 'info');
    showSignin();
  });
  $('#nav-toggle').addEventListener('click', () => {
    const nav = $('#main-nav');
    const open = !nav.classList.contains('open');
    nav.classList.toggle('open', open);
    $('#nav-toggle').setAttribute('aria-expanded', String(open));
  });
  window.addEventListener('citydir:unauthenticated', () => {
    if (!state.me) return; // signing in: the form reports it
    token.clear();
    toast(() => t('auth.expired'), 'error');
    showSignin(t('auth.expired'));
  });
  window.addEventListener('hashchange', () => route());
  // A last line of defence: nothing thrown anywhere may leave a blank page without a word.
  window.addEventListener('unhandledrejection', (ev) => {
    if (ev.reason?.name === 'AbortError') return;
    toastError(ev.reason);
  });
  route();
}

start();
