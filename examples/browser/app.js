// The browser example of the Tessera client SDK: every tab shares one token pair through
// localStorage, and the SDK makes sure only one tab rotates the refresh token.
import { createTesseraClient, webStorage, SessionEndedError } from '/example/sdk/index.js';

const $ = (id) => document.getElementById(id);

const client = createTesseraClient({
  baseUrl: location.origin,
  storage: webStorage(localStorage),
  expiringLeadSeconds: 60,
  // Seed 000: warn before the session lapses, so the user can save their work.
  onExpiring: ({ expiresAt, canRefresh }) => {
    if (canRefresh) return;
    $('warning').textContent = `Your session ends at ${expiresAt.toLocaleTimeString()}; save your work.`;
    $('warning').hidden = false;
  },
  onSessionEnded: (reason) => show(null, `Signed out (${reason}). Log in again; nothing you typed is lost.`),
});

function show(signedIn, message) {
  $('login').hidden = Boolean(signedIn);
  $('signed-in').hidden = !signedIn;
  $('status').textContent = message ?? (signedIn ? `Signed in as ${signedIn.user.username}.` : 'Signed out.');
}

/** Lists the user's sessions; answers the HTTP status (the browser test calls it in two tabs at once). */
async function loadSessions() {
  try {
    const response = await client.fetch('/auth/sessions');
    if (response.ok) {
      const { sessions } = await response.json();
      $('sessions').replaceChildren(
        ...sessions.map((s) => {
          const item = document.createElement('li');
          item.textContent = `${s.device.name ?? s.device.type ?? 'device'}${s.current ? ' (this one)' : ''}${s.rememberedUntil ? `, kept until ${s.rememberedUntil}` : ''}`;
          return item;
        }),
      );
    }
    return response.status;
  } catch (error) {
    if (error instanceof SessionEndedError) return 401;
    throw error;
  }
}

$('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const signedIn = await client.login({
      username: $('username').value,
      password: $('password').value,
      remember: $('remember').checked,
      device: { type: 'web', name: 'Example page' },
    });
    show(signedIn);
  } catch (error) {
    show(null, error.message);
  }
});
$('load').addEventListener('click', () => void loadSessions());
$('logout').addEventListener('click', async () => {
  await client.logout();
  show(null);
});

window.tesseraExample = { loadSessions };
show(await client.session());
