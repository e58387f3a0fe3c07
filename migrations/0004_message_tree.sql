ALTER TABLE `chat_messages` ADD `parent_seq` integer;--> statement-breakpoint
CREATE INDEX `chat_messages_chat_parent_idx` ON `chat_messages` (`chat_id`,`parent_seq`,`seq`);--> statement-breakpoint
ALTER TABLE `chats` ADD `head_seq` integer;