-- A row written without a parent into a chat that has no head yet comes from a writer that
-- knows nothing of branches (seeding scripts, an import): it follows the previous message,
-- The executor gives every message it writes its parent, and records the chat's head in the
-- same batch before the message, so a root it writes on purpose (an edited first message) is
-- never rewritten here.
CREATE TRIGGER IF NOT EXISTS `chat_messages_follow_previous` AFTER INSERT ON `chat_messages`
WHEN new.`parent_seq` IS NULL
  AND (SELECT c.`head_seq` FROM `chats` c WHERE c.`id` = new.`chat_id`) IS NULL
  AND EXISTS (SELECT 1 FROM `chat_messages` p WHERE p.`chat_id` = new.`chat_id` AND p.`seq` < new.`seq`)
BEGIN
  UPDATE `chat_messages` SET `parent_seq` = (
    SELECT max(p.`seq`) FROM `chat_messages` p WHERE p.`chat_id` = new.`chat_id` AND p.`seq` < new.`seq`
  ) WHERE `id` = new.`id`;
END;
