// Sign-in with an API token. The token lives in sessionStorage only (never in a URL or cookie).
import { t } from '../i18n.js';
import { describeError } from '../api.js';
import { html, mount, errorBox, checkForm, busy } from '../ui.js';

export function render(main, { message, onSignIn }) {
  mount(main, html`<section class="signin card" aria-labelledby="signin-title">
    <h1 id="signin-title" tabindex="-1">${t('auth.title')}</h1>
    <p>${t('auth.intro')}</p>
    ${message ? html`<div class="alert alert-warn" role="alert">${message}</div>` : ''}
    <form id="signin-form" novalidate>
      <div class="field">
        <label for="signin-token">${t('auth.token')}<span class="req" aria-hidden="true"> *</span></label>
        <input type="password" id="signin-token" name="token" required aria-required="true" autocomplete="off"
               spellcheck="false" aria-describedby="signin-token-hint signin-token-err">
        <p class="hint" id="signin-token-hint">${t('auth.tokenHint')}</p>
        <p class="field-error" id="signin-token-err" hidden></p>
      </div>
      <div class="form-actions"><button type="submit" class="btn btn-primary" id="signin-submit">${t('auth.signin')}</button></div>
      <div id="signin-error" aria-live="assertive"></div>
    </form>
  </section>`);
  const form = main.querySelector('#signin-form');
  const input = form.querySelector('#signin-token');
  input.focus();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const errorHost = form.querySelector('#signin-error');
    mount(errorHost, '');
    if (!checkForm(form)) return;
    try {
      await busy(form, () => onSignIn(input.value.trim()));
    } catch (err) {
      const text = err?.status === 401 ? t('auth.rejected') : describeError(err);
      mount(errorHost, errorBox(text));
      input.focus();
    }
  });
}
