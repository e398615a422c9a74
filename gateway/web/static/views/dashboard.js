// Dashboard: counts and four inline-SVG charts, each card loading (or failing) on its own.
import { t, bi } from '../i18n.js';
import { listAll, describeError } from '../api.js';
import { html, mount, errorBox, empty, daysUntil, fmtDate, $ } from '../ui.js';
import { barChart, donutChart, lineChart, dailySeries, responsive } from '../charts.js';
import { asMyDepartments, dedupe, SHARE_TYPES } from './common.js';

const EXPIRY_DAYS = 30;

export async function render(main, ctx) {
  ctx.setTitle(t('nav.dashboard'));
  mount(main, html`<div class="page-head"><div><h1 tabindex="-1">${t('dash.title')}</h1>
      <p class="lead">${t('dash.lead')}</p></div></div>
    <section class="stats" aria-label="${t('dash.summary')}">
      <div class="stat"><span class="stat-value" id="stat-depts">${ctx.deptList.length}</span><span class="stat-label">${t('dash.departments')}</span></div>
      <div class="stat"><span class="stat-value" id="stat-catalogs">…</span><span class="stat-label">${t('dash.publishedCatalogs')}</span></div>
      <div class="stat"><span class="stat-value" id="stat-pending">…</span><span class="stat-label">${t('dash.pendingIncoming')}</span></div>
      <div class="stat"><span class="stat-value" id="stat-grants">…</span><span class="stat-label">${t('dash.activeGrants')}</span></div>
    </section>
    <div class="grid grid-2">
      <section class="card" aria-labelledby="c1"><h2 id="c1">${t('dash.catalogsPerDept')}</h2><div class="chart-host" id="chart-per-dept">${t('common.loading')}</div></section>
      <section class="card" aria-labelledby="c2"><h2 id="c2">${t('dash.shareTypes')}</h2><div class="chart-host" id="chart-share">${t('common.loading')}</div></section>
      <section class="card" aria-labelledby="c3"><h2 id="c3">${t('dash.requestsOverTime')}</h2><div class="chart-host" id="chart-requests">${t('common.loading')}</div></section>
      <section class="card" aria-labelledby="c4"><h2 id="c4">${t('dash.expiring', { days: EXPIRY_DAYS })}</h2><div class="chart-host" id="chart-expiring">${t('common.loading')}</div></section>
    </div>`);

  const disconnects = [];
  const draw = (id, fn) => {
    const host = $(`#${id}`, main);
    if (host && ctx.alive()) disconnects.push(responsive(host, fn));
  };
  const fail = (id, err) => {
    const host = $(`#${id}`, main);
    if (host && ctx.alive()) mount(host, errorBox(describeError(err)));
  };
  const setStat = (id, value) => {
    const el = $(`#${id}`, main);
    if (el && ctx.alive()) el.textContent = value;
  };

  // "Mine" is every department of my MSP: the data bureau's MSP, say, hosts several.
  const mine = { departments: ctx.can.myDepartmentIds(), signal: ctx.signal };
  const [catalogs, incoming, outgoing, held] = await Promise.allSettled([
    listAll('/catalogs', {}, { signal: ctx.signal }),
    asMyDepartments('/access-requests', { role: 'incoming' }, mine),
    asMyDepartments('/access-requests', { role: 'outgoing' }, mine),
    asMyDepartments('/grants', {}, mine),
  ]);
  if (!ctx.alive()) return () => disconnects.forEach((d) => d());

  // 1 + 2: catalogs per department, share types.
  if (catalogs.status === 'fulfilled') {
    const list = catalogs.value;
    setStat('stat-catalogs', list.filter((c) => c.status === 'published').length);
    const perDept = new Map();
    for (const c of list) perDept.set(c.department_id, (perDept.get(c.department_id) || 0) + 1);
    const rows = [...perDept.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([id, n]) => ({
      label: ctx.depts.get(id) ? bi(ctx.depts.get(id).name) || id : id,
      value: n,
      href: `#/departments/${encodeURIComponent(id)}`,
    }));
    if (rows.length) draw('chart-per-dept', (width) => barChart(rows, { width, label: t('dash.catalogsPerDept') }));
    else mount($('#chart-per-dept', main), empty(t('dash.noCatalogs')));
    const slices = SHARE_TYPES.map((s) => ({
      label: t(`share.${s}`), value: list.filter((c) => c.share_type === s).length, cls: `c-${s}`,
    }));
    draw('chart-share', (width) => donutChart(slices, { width, label: t('dash.shareTypes'), centerLabel: t('dash.catalogsUnit') }));
  } else {
    setStat('stat-catalogs', '—');
    fail('chart-per-dept', catalogs.reason);
    fail('chart-share', catalogs.reason);
  }

  // 3: requests over time (incoming and outgoing, by the day they were filed).
  if (incoming.status === 'fulfilled' || outgoing.status === 'fulfilled') {
    const inc = incoming.status === 'fulfilled' ? incoming.value : [];
    const out = outgoing.status === 'fulfilled' ? outgoing.value : [];
    setStat('stat-pending', incoming.status === 'fulfilled' ? inc.filter((r) => r.status === 'pending').length : '—');
    const all = dedupe([...inc, ...out]);
    const dates = all.map((r) => String(r.created_at || r.ledger?.timestamp || '').slice(0, 10)).filter(Boolean);
    const series = dailySeries(dates);
    draw('chart-requests', (width) => html`${lineChart(series, { width, label: t('dash.requestsOverTime') })}
      <p class="chart-note">${t('dash.requestsNote', { incoming: inc.length, outgoing: out.length })}</p>`);
  } else {
    setStat('stat-pending', '—');
    fail('chart-requests', incoming.reason);
  }

  // 4: grants my department holds that expire soon.
  if (held.status === 'fulfilled') {
    const active = held.value.filter((g) => !g.status || g.status === 'active');
    setStat('stat-grants', active.length);
    const soon = active
      .map((g) => ({ g, days: daysUntil(g.valid_until) }))
      .filter((x) => x.days !== null && x.days >= 0 && x.days <= EXPIRY_DAYS)
      .sort((a, b) => a.days - b.days)
      .slice(0, 10);
    if (!soon.length) {
      mount($('#chart-expiring', main), empty(t('dash.noneExpiring', { days: EXPIRY_DAYS })));
    } else {
      const titles = new Map(catalogs.status === 'fulfilled' ? catalogs.value.map((c) => [c.id, bi(c.title)]) : []);
      const rows = soon.map(({ g, days }) => ({
        label: titles.get(g.catalog_id) || g.catalog_id || g.id,
        value: days,
        cls: days <= 7 ? 'c-urgent' : 'c-soon',
        title: `${titles.get(g.catalog_id) || g.catalog_id} · ${g.id} · ${fmtDate(g.valid_until)}`,
        href: `#/grants/${encodeURIComponent(g.id)}`,
      }));
      draw('chart-expiring', (width) => barChart(rows, {
        width, label: t('dash.expiring', { days: EXPIRY_DAYS }), valueFormat: (v) => t('dash.daysLeft', { n: v }),
      }));
    }
  } else {
    setStat('stat-grants', '—');
    fail('chart-expiring', held.reason);
  }
  return () => disconnects.forEach((d) => d());
}
