// Drafts that follow the user (SPEC §14): typed on one device, there on another, kept through a
// reload, never clobbering what is being typed, and gone once sent.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS } from '../harness.mjs';
import { newAccount } from './transparency.mjs';

/** `t`: the journey's browser, step runner and helpers (see e2e/run.mjs). */
export async function draftSteps(t) {
  const { step, until, waitLive, waitIdle, userMessages } = t;
  const a = await newAccount(t, 'drafts');
  // A second device: another browser context signed in to the same account.
  const other = await t.browser.newContext({ viewport: { width: 390, height: 844 }, baseURL: t.baseUrl });
  other.setDefaultTimeout(15_000);
  const composer = (p) => p.getByRole('textbox', { name: 'Message' });
  const valueOf = (p) => composer(p).inputValue();

  try {
    const login = await other.request.post('/api/auth/login', { data: { email: a.email, password: t.password } });
    assert.equal(login.status(), 200, await login.text());
    const { chat } = await a.api.post('/api/chats', { agent: 'assistant' });
    const b = await other.newPage();
    t.watch(b);
    const open = async (p) => {
      await p.goto(`/assistant/c/${chat.id}`);
      await waitLive(p);
    };

    await step('a draft typed on one device appears on another, and survives a reload there', async () => {
      await Promise.all([open(a.page), open(b)]);
      const text = 'Pick up the bike from the shop on Friday';
      await composer(a.page).pressSequentially(text, { delay: 15 });
      await until(async () => (await valueOf(b)) === text, { message: "A's draft in B's composer, live" });
      await b.screenshot({ path: join(ARTIFACTS, 'mobile-draft-from-another-device.png') });
      await b.reload();
      await waitLive(b);
      assert.equal(await valueOf(b), text, 'restored from the server after a reload');
      assert.equal((await a.api.get(`/api/chats/${chat.id}/draft`)).draft?.text, text);
    });

    await step('a sent draft is gone from every device, and stays gone after a reload', async () => {
      await composer(a.page).fill('Send this one');
      await until(async () => (await valueOf(b)) === 'Send this one', { message: 'the draft on the other device first' });
      // The last words go out with the message before any save of them: only the local copy ever held them.
      await composer(a.page).pressSequentially(' now');
      await composer(a.page).press('Enter');
      await userMessages(a.page).filter({ hasText: 'Send this one now' }).waitFor();
      await waitIdle(a.page);
      assert.equal(await valueOf(a.page), '');
      await until(async () => (await valueOf(b)) === '', { message: "B's composer cleared" });
      await a.page.reload();
      await waitLive(a.page);
      assert.equal(await valueOf(a.page), '', 'nothing comes back after a reload');
      assert.equal((await a.api.get(`/api/chats/${chat.id}/draft`)).draft, null);
    });
    await step("another device's draft does not replace text being typed", async () => {
      await composer(b).pressSequentially('B is typing this', { delay: 15 });
      await until(async () => (await a.api.get(`/api/chats/${chat.id}/draft`)).draft?.text === 'B is typing this', { message: "B's save on the server" });
      // Within moments of B's last keystroke: B is still typing.
      await composer(a.page).fill('A changed it meanwhile');
      await until(async () => (await a.api.get(`/api/chats/${chat.id}/draft`)).draft?.text === 'A changed it meanwhile', { message: "A's save on the server" });
      await b.waitForTimeout(500);
      assert.equal(await valueOf(b), 'B is typing this', "B's own text stands");
    });
  } finally {
    await other.close();
    await a.context.close();
  }
}
