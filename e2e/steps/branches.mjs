// SPEC §16 as a user meets it: editing a sent message adds a new version with its own reply,
// "‹ i / n ›" switches between versions, Regenerate adds a reply beside the old one, and a
// second tab on the chat follows a switch made in the first.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS } from '../harness.mjs';
import { newAccount } from './transparency.mjs';

const FIRST = 'Tell me about otters';
const EDITED = 'Tell me about badgers';

/** `t`: the journey's browser, step runner and helpers (see e2e/run.mjs). */
export async function branchSteps(t) {
  const { step, until } = t;
  const me = await newAccount(t, 'branches');
  const { context, page, api } = me;
  const shot = (name, p = page) => p.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const log = (p = page) => p.getByRole('log', { name: 'Messages' });
  const said = (p = page) => log(p).getByRole('article', { name: 'You said' });
  const replied = (p = page) => log(p).getByRole('article', { name: 'Assistant replied' });
  const live = (p = page) => p.locator('section[aria-label="Conversation"][data-live="true"]').waitFor();
  const version = (text, p = page) => p.getByLabel(text);
  const idle = (p = page) => until(async () => (await p.locator('article[aria-busy="true"]').count()) === 0, { message: 'the reply stored' });

  try {
    const { chat } = await api.post('/api/chats', { agent: 'assistant' });
    await api.post(`/api/chats/${chat.id}/messages`, { content: FIRST });

    await step('editing a message (Enter sends) streams a new reply in place and shows "2 / 2"; ‹ shows the original again', async () => {
      await page.goto(`/assistant/c/${chat.id}`);
      await live();
      await replied().filter({ hasText: 'otters' }).waitFor();
      const mine = said().filter({ hasText: FIRST });
      await mine.hover();
      await mine.getByRole('button', { name: 'Edit message' }).click();
      const editor = page.getByRole('textbox', { name: 'Edit message' });
      assert.equal(await editor.evaluate((e) => e === document.activeElement), true, 'the editor takes focus');
      // Esc leaves the message as it was.
      await page.keyboard.press('Escape');
      await editor.waitFor({ state: 'detached' });
      await mine.getByRole('button', { name: 'Edit message' }).focus();
      await page.keyboard.press('Enter');
      await editor.fill(EDITED);
      await page.keyboard.press('Enter');
      await replied().filter({ hasText: 'badgers' }).waitFor();
      await idle();
      await said().filter({ hasText: EDITED }).getByLabel('Version 2 of 2').waitFor();
      assert.equal(await replied().filter({ hasText: 'otters' }).count(), 0, 'the old reply is off the path shown');
      await shot('desktop-branch-edited');
      await said().filter({ hasText: EDITED }).getByRole('button', { name: 'Previous version' }).click();
      await replied().filter({ hasText: 'otters' }).waitFor();
      await said().filter({ hasText: FIRST }).getByLabel('Version 1 of 2').waitFor();
      assert.equal(await replied().filter({ hasText: 'badgers' }).count(), 0);
    });

    await step('Regenerate adds a reply beside the old one: "2 / 2" on the reply', async () => {
      const reply = replied().filter({ hasText: 'otters' });
      await reply.hover();
      await reply.getByRole('button', { name: 'Regenerate reply' }).click();
      await log().getByLabel('Version 2 of 2').last().waitFor();
      await idle();
      await replied().last().getByLabel('Version 2 of 2').waitFor();
      await replied().last().getByRole('button', { name: 'Previous version' }).waitFor();
    });

    await step('a second tab follows a switch made in the first', async () => {
      const second = await context.newPage();
      t.watch(second);
      try {
        await second.goto(`/assistant/c/${chat.id}`);
        await live(second);
        await said(second).filter({ hasText: FIRST }).waitFor();
        // Back to the otter question's version 2 (the edit) from the first tab.
        await said().filter({ hasText: FIRST }).getByRole('button', { name: 'Next version' }).click();
        await said().filter({ hasText: EDITED }).waitFor();
        await said(second).filter({ hasText: EDITED }).waitFor();
        await replied(second).filter({ hasText: 'badgers' }).waitFor();
        await version('Version 2 of 2', second).first().waitFor();
        await second.setViewportSize({ width: 390, height: 844 });
        await second.getByRole('complementary', { name: 'Chats and navigation' }).waitFor({ state: 'hidden' });
        await second.waitForTimeout(300);
        await shot('mobile-branch-followed', second);
      } finally {
        await second.close();
      }
    });
  } finally {
    await context.close();
  }
}
