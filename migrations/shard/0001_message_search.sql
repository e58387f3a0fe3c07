-- Full-text search of message contents (SPEC §15), hand-written: drizzle has no FTS5.
--
-- An external-content FTS5 index: it stores only the index, reading each message's text back
-- from chat_messages (through the view below) for snippet(), so no message is stored twice.
-- It is keyed by chat_messages' implicit rowid. Anything that rewrites those rowids (a VACUUM,
-- or a restore from an SQL dump) must be followed by the 'rebuild' in docs/BACKUP.md.
--
-- Tool messages are not searchable: their content is a JSON result for the model (ids,
-- fields), and the turn that called the tool is found by the user's words and the reply. The
-- view states that once, so a 'rebuild' indexes exactly what the triggers index.
CREATE VIEW `message_search_source` AS
  SELECT rowid AS `message_rowid`, `content` FROM `chat_messages` WHERE `role` <> 'tool';
--> statement-breakpoint
-- Diacritics folded ("creme" finds "crème"); prefix indexes of 2 and 3 characters keep
-- prefix queries (the user still typing) from scanning every term.
CREATE VIRTUAL TABLE `message_search` USING fts5(
  `content`,
  content = 'message_search_source',
  content_rowid = 'message_rowid',
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);
--> statement-breakpoint
-- Kept in step by triggers rather than by the writer: rows reach chat_messages from several
-- statements (the outbox's idempotent INSERT … SELECT, crash replay, import, chat deletion and
-- its cascades), and a trigger runs inside each of them, in the same transaction, with no
-- extra statement to forget or to count against D1's limits. An external-content index must
-- be told exactly what it indexed when a row goes, which only a trigger sees (old.content).
CREATE TRIGGER `message_search_insert` AFTER INSERT ON `chat_messages` WHEN new.`role` <> 'tool' BEGIN
  INSERT INTO `message_search` (rowid, `content`) VALUES (new.rowid, new.`content`);
END;
--> statement-breakpoint
CREATE TRIGGER `message_search_delete` AFTER DELETE ON `chat_messages` WHEN old.`role` <> 'tool' BEGIN
  INSERT INTO `message_search` (`message_search`, rowid, `content`) VALUES ('delete', old.rowid, old.`content`);
END;
--> statement-breakpoint
-- Messages are written once today; an update (of the text or the role) re-indexes the row.
CREATE TRIGGER `message_search_update` AFTER UPDATE OF `content`, `role` ON `chat_messages` BEGIN
  INSERT INTO `message_search` (`message_search`, rowid, `content`) SELECT 'delete', old.rowid, old.`content` WHERE old.`role` <> 'tool';
  INSERT INTO `message_search` (rowid, `content`) SELECT new.rowid, new.`content` WHERE new.`role` <> 'tool';
END;
--> statement-breakpoint
-- Rows written before this migration (none in a new shard; kept so a rebuild is one place).
INSERT INTO `message_search` (`message_search`) VALUES ('rebuild');
