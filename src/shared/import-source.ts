/**
 * The source key an imported chat remembers (SPEC §15), so the same file imported again
 * adds nothing: ChatGPT's conversation id, or the id of the chat this app exported.
 */
export const chatGptSource = (conversationId: string) => `chatgpt:${conversationId}`;
export const claritySource = (chatId: string) => `clarity:${chatId}`;

/** The chat a Clarity export came from, or null for any other source. */
export function exportedChatId(sourceKey: string): string | null {
  return sourceKey.startsWith('clarity:') ? sourceKey.slice('clarity:'.length) : null;
}
