// The chat UI a ChatGPT user expects (issue 18), on an account of its own so the journey's chats
// and turn limits stay out of it: reading replies at every width, copying, code blocks, following
// a reply, dark mode, the keyboard, streaming into a long chat, a task's due date, an archived chat, loading states, Enter on a touch phone,
// tool chips inside their reply, the modal phone drawer and timings without hover, the message length limit,
// unsaved instructions, the screen reader's announcement, date groups and model-written titles in the chat
// list, a quiet console.
import { newReader } from '../seed-chats.mjs';
import { archivedChatSteps } from './archived-chat.mjs';
import { chatTitleSteps } from './chat-titles.mjs';
import { drawerModalSteps } from './drawer-modal.mjs';
import { followingSteps } from './following.mjs';
import { keyboardSteps } from './keyboard.mjs';
import { loadingSteps } from './loading.mjs';
import { longChatSteps } from './long-chat.mjs';
import { messageLimitSteps } from './message-limit.mjs';
import { quietConsoleSteps } from './quiet-console.mjs';
import { readingSteps } from './reading.mjs';
import { replyAnnouncerSteps } from './reply-announcer.mjs';
import { taskDueSteps } from './task-due.mjs';
import { themeSteps } from './theme.mjs';
import { toolChipSteps } from './tool-chips.mjs';
import { touchComposerSteps } from './touch-composer.mjs';
import { unsavedInstructionsSteps } from './unsaved-instructions.mjs';

/** `t`: the journey's browser, step runner and helpers (see e2e/run.mjs). */
export async function chatUiSteps(t) {
  const reader = await newReader(t.browser, t.baseUrl, t.password);
  try {
    await readingSteps(t, reader);
    await followingSteps(t, reader);
    await themeSteps(t, reader);
    await keyboardSteps(t, reader);
    await longChatSteps(t, reader);
    await taskDueSteps(t, reader);
    await archivedChatSteps(t, reader);
    await loadingSteps(t, reader);
    await touchComposerSteps(t, reader);
    await toolChipSteps(t, reader);
    await drawerModalSteps(t, reader);
    await messageLimitSteps(t, reader);
    await unsavedInstructionsSteps(t, reader);
    await replyAnnouncerSteps(t, reader);
  } finally {
    await reader.close();
  }
  await chatTitleSteps(t);
  await quietConsoleSteps(t);
}
