// The root console's login: Passkey (unless the program has it) and Root password, then "Log in".
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { VNode } from 'preact';
import type { AdminLoginView, AdminMessage, AdminPhase } from '../../../admin-protocol.js';

export function RootLogin({ login, phase, send }: { login: AdminLoginView; phase: AdminPhase; send: (message: AdminMessage) => boolean }): VNode {
  const [passkey, setPasskey] = useState('');
  const [rootPassword, setRootPassword] = useState('');
  const refs = { passkey: useRef<HTMLInputElement>(null), rootPassword: useRef<HTMLInputElement>(null) };
  const busy = phase === 'connecting';
  const error = login.error;
  useEffect(() => {
    if (busy) return;
    const field = error && error.field !== 'form' ? error.field : login.askPasskey && passkey === '' ? 'passkey' : 'rootPassword';
    refs[field].current?.focus();
  }, [error?.code, busy]);
  const submit = (event: Event): void => {
    event.preventDefault();
    send({ type: 'login', ...(login.askPasskey && passkey !== '' ? { passkey } : {}), ...(login.askRootPassword && rootPassword !== '' ? { rootPassword } : {}) });
  };
  const invalid = (field: string): Record<string, string> => (error?.field === field ? { 'aria-invalid': 'true', 'aria-describedby': 'login-error' } : {});
  return html`<main class="login">
    <h1>Party Pool root console</h1>
    <p class="lede">Manage the chat server: who is connected, bans, notices, shutdown. Type the passkey and the root password.</p>
    <form onSubmit=${submit} novalidate>
      <fieldset disabled=${busy}>
        <legend class="visually-hidden">Log in as root</legend>
        ${login.askPasskey
          ? html`<div class="field">
              <label for="login-passkey">Passkey</label>
              <input id="login-passkey" ref=${refs.passkey} type="password" autocomplete="off" value=${passkey} onInput=${(e: Event) => setPasskey((e.currentTarget as HTMLInputElement).value)} ...${invalid('passkey')} />
            </div>`
          : html`<p class="given">The passkey was given when the program started.</p>`}
        ${login.askRootPassword
          ? html`<div class="field">
              <label for="login-root-password">Root password</label>
              <input id="login-root-password" ref=${refs.rootPassword} type="password" autocomplete="off" value=${rootPassword} onInput=${(e: Event) => setRootPassword((e.currentTarget as HTMLInputElement).value)} ...${invalid('rootPassword')} />
            </div>`
          : html`<p class="given">The root password was given when the program started.</p>`}
        <button type="submit" class="primary">Log in</button>
      </fieldset>
      <p role="status" class="status">${busy ? 'Connecting…' : ''}</p>
      <p role="alert" id="login-error" class="error">${error ? error.message : ''}</p>
    </form>
  </main>`;
}
