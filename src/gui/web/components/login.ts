// The login form: Passkey (unless the program already has it), Name, and Password when the
// server asks for one. Accessible names are part of the contract: "Passkey", "Name",
// "Password", and the button "Join".
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { VNode } from 'preact';
import type { LoginView, PageMessage, Phase } from '../../protocol.js';

interface LoginProps {
  login: LoginView;
  phase: Phase;
  send: (message: PageMessage) => boolean;
  /** Called on submit (a user gesture): the page asks for notification permission then. */
  onJoin: () => void;
}

export function LoginForm({ login, phase, send, onJoin }: LoginProps): VNode {
  const [passkey, setPasskey] = useState('');
  const [name, setName] = useState(login.name);
  const [password, setPassword] = useState('');
  const refs = { passkey: useRef<HTMLInputElement>(null), name: useRef<HTMLInputElement>(null), password: useRef<HTMLInputElement>(null) };
  const busy = phase === 'connecting';
  const error = login.error;

  // The name given with --name arrives with the first frame from the program.
  useEffect(() => {
    if (login.name !== '' && name === '') setName(login.name);
  }, [login.name]);

  // Put the cursor where the problem is (or on the first empty field).
  useEffect(() => {
    if (busy) return;
    const field = error && error.field !== 'form' ? error.field : login.askPasskey && passkey === '' ? 'passkey' : name === '' ? 'name' : login.askPassword ? 'password' : 'name';
    refs[field].current?.focus();
  }, [error?.code, error?.field, login.askPassword, busy]);

  const submit = (event: Event): void => {
    event.preventDefault();
    onJoin();
    send({
      type: 'login',
      name: name.trim(),
      ...(login.askPasskey && passkey !== '' ? { passkey } : {}),
      ...(login.askPassword && password !== '' ? { password } : {}),
      ...(login.askPassword && login.register ? { register: true } : {}),
    });
  };
  const invalid = (field: string): Record<string, string> => (error?.field === field ? { 'aria-invalid': 'true', 'aria-describedby': 'login-error' } : {});

  return html`
    <main class="login">
      <h1>Party Pool</h1>
      <p class="lede">A private chat for your group. Type the passkey you were given and the name others will see.</p>
      <form onSubmit=${submit} novalidate>
        <fieldset disabled=${busy}>
          <legend class="visually-hidden">Log in</legend>
          ${login.askPasskey
            ? html`<div class="field">
                <label for="login-passkey">Passkey</label>
                <input id="login-passkey" ref=${refs.passkey} type="password" autocomplete="off" value=${passkey} onInput=${(e: Event) => setPasskey((e.currentTarget as HTMLInputElement).value)} ...${invalid('passkey')} />
              </div>`
            : html`<p class="given">The passkey was given when the program started.</p>`}
          <div class="field">
            <label for="login-name">Name</label>
            <input id="login-name" ref=${refs.name} type="text" autocomplete="username" maxlength="24" spellcheck="false" value=${name} onInput=${(e: Event) => setName((e.currentTarget as HTMLInputElement).value)} ...${invalid('name')} />
          </div>
          ${login.askPassword
            ? html`<div class="field">
                <label for="login-password">Password</label>
                <input id="login-password" ref=${refs.password} type="password" autocomplete=${login.register ? 'new-password' : 'current-password'} value=${password} onInput=${(e: Event) => setPassword((e.currentTarget as HTMLInputElement).value)} aria-describedby="login-password-hint" ...${invalid('password')} />
                <p id="login-password-hint" class="hint">${login.register ? 'Choose a password for this name: at least 8 characters.' : 'This name is registered: type its password.'}</p>
              </div>`
            : null}
          <button type="submit" class="primary">Join</button>
        </fieldset>
        <p role="status" class="status">${busy ? 'Connecting…' : ''}</p>
        <p role="alert" id="login-error" class="error">${error ? error.message : ''}</p>
      </form>
    </main>
  `;
}
