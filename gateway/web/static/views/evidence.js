// Evidence bundles: "Download evidence" saves an entity's (or a transaction's) zip; "Verify" has the
// gateway check that zip with citydir-verify's own code and shows the verdict, check by check.
import { t } from '../i18n.js';
import { api, unwrap, download, postBlob, saveBlob, describeError } from '../api.js';
import { html, mount, errorBox, $, currentLedger } from '../ui.js';

let genesisPromise = null;

/** The channel's genesis block hash (the trust anchor), asked of /ledger once per page load. */
export function genesisHash({ signal } = {}) {
  if (!genesisPromise) {
    genesisPromise = api('/ledger', { query: { blocks: 0 }, signal })
      .then((json) => unwrap(json)?.genesis_hash || null)
      .catch((err) => {
        genesisPromise = null; // ask again next time
        if (err?.name === 'AbortError') throw err;
        return null;
      });
  }
  return genesisPromise;
}

/** The report inside the answer: {data: report}; tolerates the report as a JSON string or bare. */
export function asReport(json) {
  let report = unwrap(json);
  if (typeof report === 'string') {
    try {
      report = JSON.parse(report);
    } catch {
      report = null;
    }
  }
  return report && typeof report === 'object' ? report : null;
}

const STATUS_CLASS = { pass: 'badge-valid', fail: 'badge-invalid', 'n/a': 'badge-na' };

function checkRow(check) {
  const status = String(check.status || 'n/a').toLowerCase();
  const key = status === 'n/a' || status === 'na' ? 'na' : status;
  return html`<li class="check check-${key}" data-check="${check.id || ''}" data-status="${status}">
    <span class="badge check-badge ${STATUS_CLASS[status] || 'badge-na'}">${t(`ev.status.${key}`, null, status)}</span>
    <span class="check-text"><strong class="check-name">${check.name || check.id || ''}</strong>${
  check.claim !== null && check.claim !== undefined ? html` <span class="muted small">${t('ev.claim', { n: check.claim })}</span>` : ''}${
  check.detail ? html`<span class="check-detail" lang="en">: ${check.detail}</span>` : ''}</span></li>`;
}

/** The witness sentence: on the embedded ledger, always in the page's words that one operator is the only witness. */
function witnessLine(report) {
  const embedded = report.ledger === 'embedded' || (!report.ledger && currentLedger() === 'embedded');
  const own = embedded ? t('ev.witness.embedded') : '';
  const server = report.witness || '';
  return html`<div class="verify-witness ${embedded ? 'witness-single' : ''}" id="verify-witness">
    <strong>${t('ev.witness')}:</strong> ${own ? html`<span class="witness-own">${own}</span>` : ''}
    ${server ? html`<span class="witness-server${own ? ' muted small' : ''}" lang="en">${own ? `(${server})` : server}</span>` : ''}</div>`;
}

/** The whole report: verdict first and large, then one line per check, then how to check offline. */
export function reportView(report, { genesis, filename } = {}) {
  const verdict = String(report.verdict || (report.valid ? 'VALID' : 'INVALID')).toUpperCase();
  const valid = verdict === 'VALID';
  const checks = Array.isArray(report.checks) ? report.checks : [];
  const failure = report.first_failure || checks.find((c) => c.status === 'fail') || null;
  const counts = { pass: 0, fail: 0, na: 0 };
  for (const c of checks) counts[c.status === 'pass' ? 'pass' : c.status === 'fail' ? 'fail' : 'na'] += 1;
  const anchor = report.anchor || genesis || '';
  const trust = genesis || report.anchor || '';
  return html`<div class="verify-result ${valid ? 'verify-valid' : 'verify-invalid'}" id="verify-result" data-verdict="${verdict}" role="status">
    <p class="verdict"><span class="verdict-word" id="verify-verdict">${valid ? t('ev.valid') : t('ev.invalid')}</span>
      <span class="verdict-counts">${t('ev.counts', counts)}</span></p>
    <p class="verify-anchor ${report.anchored ? '' : 'not-anchored'}" data-anchored="${String(Boolean(report.anchored))}">${
  report.anchored ? t('ev.anchored') : t('ev.notAnchored')}${anchor ? /^[0-9a-f]{64}$/i.test(anchor)
    ? html` <span class="mono break small">${anchor}</span>` : html` <span class="small verify-anchor-detail" lang="en">(${anchor})</span>` : ''}</p>
    ${failure ? html`<p class="verify-failure" id="verify-failure"><strong>${t('ev.firstFailure')}:</strong> ${failure.name || failure.id}${
    failure.detail ? html` — <span lang="en">${failure.detail}</span>` : ''}</p>` : ''}
    ${witnessLine(report)}
    </div>
    ${checks.length ? html`<h3 class="checks-head">${t('ev.checks')}</h3><ul class="checks" id="verify-checks">${checks.map(checkRow)}</ul>` : ''}
    <div class="offline-note" id="verify-offline"><p>${t('ev.offline')}</p>
      <pre class="cmd"><code>citydir-verify ${filename || 'BUNDLE'} --trust ${trust || t('ev.genesisUnknown')}</code></pre>
      ${genesis ? html`<p class="small muted">${t('ev.trustIs')} <span class="mono break" id="verify-genesis">${genesis}</span></p>` : ''}</div>`;
}

/**
 * A card with the two buttons and where the verdict goes. `path` is the API path of the bundle
 * (e.g. /catalogs/x/evidence); `what` says what the bundle proves.
 */
export function evidenceCard(path, { what = '' } = {}) {
  return html`<section class="card evidence-card" id="evidence" data-evidence="${path}" aria-labelledby="evidence-h">
    <h2 id="evidence-h">${t('ev.title')}</h2>
    <p class="muted small">${what || t('ev.lead')}</p>
    <div class="evidence-actions">
      <button type="button" class="btn" id="evidence-download" data-evidence-download>${t('ev.download')}</button>
      <button type="button" class="btn btn-primary" id="evidence-verify" data-evidence-verify>${t('ev.verify')}</button>
      <span class="evidence-state muted small" id="evidence-state" role="status" aria-live="polite"></span>
    </div>
    <div id="evidence-result" class="evidence-result" aria-live="polite"></div></section>`;
}

/** Wires the card that evidenceCard() put in `root`. */
export function bindEvidence(root, ctx) {
  const card = $('#evidence', root);
  if (!card) return;
  const path = card.dataset.evidence;
  const result = $('#evidence-result', card);
  const stateEl = $('#evidence-state', card);
  const buttons = [$('#evidence-download', card), $('#evidence-verify', card)];
  const run = async (label, task) => {
    buttons.forEach((b) => { b.disabled = true; });
    card.setAttribute('aria-busy', 'true');
    stateEl.textContent = label;
    try {
      await task();
      stateEl.textContent = '';
    } catch (err) {
      stateEl.textContent = '';
      if (err?.name === 'AbortError' || !ctx.alive()) return;
      mount(result, errorBox(describeError(err)));
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      card.removeAttribute('aria-busy');
    }
  };
  const fallbackName = () => `citydir-evidence-${path.split('/').filter(Boolean).slice(0, 2).join('-')}.zip`;
  buttons[0].addEventListener('click', () => run(t('ev.downloading'), async () => {
    const { blob, filename } = await download(path, { signal: ctx.signal });
    if (!ctx.alive()) return;
    const name = filename || fallbackName();
    saveBlob(blob, name);
    mount(result, html`<p class="alert alert-ok evidence-saved" id="evidence-saved">${t('ev.saved', { name, size: sizeText(blob.size) })}</p>`);
  }));
  buttons[1].addEventListener('click', () => run(t('ev.verifying'), async () => {
    mount(result, '');
    const { blob, filename } = await download(path, { signal: ctx.signal });
    if (!ctx.alive()) return;
    const [json, genesis] = await Promise.all([
      postBlob('/evidence/verify', blob, { contentType: 'application/zip', signal: ctx.signal }),
      genesisHash({ signal: ctx.signal }),
    ]);
    if (!ctx.alive()) return;
    const report = asReport(json);
    if (!report) throw new Error(t('err.badResponse'));
    mount(result, reportView(report, { genesis, filename: filename || fallbackName() }));
  }));
}

function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
