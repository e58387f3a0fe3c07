ALTER TABLE `agent_memories` ADD `source_seq` integer;--> statement-breakpoint
CREATE INDEX `agent_memories_user_source_chat_idx` ON `agent_memories` (`user_id`,`source_chat_id`);