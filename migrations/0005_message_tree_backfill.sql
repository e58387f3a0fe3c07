-- Messages form a tree (SPEC §16). Every chat written before this migration is one line:
-- each message follows the one before it (the previous seq that exists: a seq lost in a
-- crash leaves a gap). Its head stays null, which readers and the executor take as the
-- newest message — the last one of that line — until the executor records a head with the
-- chat's next write. Setting it here instead would let an object still running the code of
-- before this migration (between `migrations apply` and the deploy) append messages with no
-- parent to a chat that already has a head, which the trigger below could then not tell from
-- an edited first message.
--
-- Touches only chats without a head, so running it again changes nothing the executor wrote.
UPDATE `chat_messages` SET `parent_seq` = (
  SELECT max(p.`seq`) FROM `chat_messages` p WHERE p.`chat_id` = `chat_messages`.`chat_id` AND p.`seq` < `chat_messages`.`seq`
)
WHERE `parent_seq` IS NULL AND (SELECT c.`head_seq` FROM `chats` c WHERE c.`id` = `chat_messages`.`chat_id`) IS NULL;
--> statement-breakpoint
-- A row written without a parent into a chat that has no head yet comes from a writer that
-- knows nothing of branches (seeding scripts, an import, an object still running the code of
-- before this migration): it follows the previous message, as every message did until now.
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
