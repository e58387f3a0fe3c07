// Tasks (issue 18 item 16): the due date's field and its Clear button fit the task editor at
// 1280 px (the editor beside the list) and on a phone.
import assert from 'node:assert/strict';

/** `t`: the journey's helpers (see e2e/run.mjs); `reader`: a signed-in context of its own (e2e/seed-chats.mjs). */
export async function taskDueSteps(t, reader) {
  const { baseUrl, step, watch, screenshot } = t;
  const page = await reader.newPage();
  watch(page);

  await step("a task's due date and its Clear button fit the editor at 1280 and 390 px", async () => {
    const created = await reader.request.post('/api/tasks', {
      data: { title: 'Renew the passport', dueAt: Date.UTC(2031, 5, 15, 12) },
      headers: { Origin: baseUrl },
    });
    assert.equal(created.status(), 201, await created.text());
    const { task } = await created.json();
    for (const size of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(size);
      await page.goto(`/tasks/${task.id}`);
      const editor = page.getByRole('form', { name: 'Task details' });
      const clear = editor.getByRole('button', { name: 'Clear due date' });
      await clear.waitFor();
      const [form, field, button] = await Promise.all([editor, editor.getByLabel('Due date', { exact: true }), clear].map((l) => l.boundingBox()));
      const right = Math.min(form.x + form.width, size.width);
      assert.ok(field.x + field.width <= right + 0.5, `at ${size.width} px the date field ends inside the editor (${field.x + field.width} > ${right})`);
      assert.ok(button.x + button.width <= right + 0.5, `at ${size.width} px Clear ends inside the editor (${button.x + button.width} > ${right})`);
      await screenshot(`task-due-${size.width}`, page);
    }
    await page.getByRole('button', { name: 'Clear due date' }).click();
    assert.equal(await page.getByLabel('Due date', { exact: true }).inputValue(), '');
  });

  await page.close();
}
