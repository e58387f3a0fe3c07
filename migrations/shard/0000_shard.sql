CREATE TABLE `agent_instructions` (
	`user_id` text NOT NULL,
	`agent_name` text NOT NULL,
	`instructions` text DEFAULT '' NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `agent_name`)
);
--> statement-breakpoint
CREATE TABLE `agent_memories` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`agent_name` text NOT NULL,
	`content` text NOT NULL,
	`source_chat_id` text,
	`source_seq` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `agent_memories_user_agent_created_idx` ON `agent_memories` (`user_id`,`agent_name`,`created_at`);--> statement-breakpoint
CREATE INDEX `agent_memories_user_source_chat_idx` ON `agent_memories` (`user_id`,`source_chat_id`);--> statement-breakpoint
CREATE TABLE `chat_imports` (
	`user_id` text NOT NULL,
	`source_key` text NOT NULL,
	`chat_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `source_key`),
	FOREIGN KEY (`chat_id`) REFERENCES `chats`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `chat_imports_chat_idx` ON `chat_imports` (`chat_id`);--> statement-breakpoint
CREATE TABLE `chat_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`chat_id` text NOT NULL,
	`seq` integer NOT NULL,
	`parent_seq` integer,
	`role` text NOT NULL,
	`content` text DEFAULT '' NOT NULL,
	`tool_calls` text,
	`tool_call_id` text,
	`name` text,
	`status` text DEFAULT 'complete' NOT NULL,
	`client_message_id` text,
	`model` text,
	`prompt_tokens` integer,
	`completion_tokens` integer,
	`timings` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`chat_id`) REFERENCES `chats`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chat_messages_chat_seq_uq` ON `chat_messages` (`chat_id`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `chat_messages_chat_client_msg_uq` ON `chat_messages` (`chat_id`,`client_message_id`);--> statement-breakpoint
CREATE INDEX `chat_messages_chat_parent_idx` ON `chat_messages` (`chat_id`,`parent_seq`,`seq`);--> statement-breakpoint
CREATE TABLE `chat_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`chat_id` text NOT NULL,
	`user_id` text NOT NULL,
	`agent_name` text NOT NULL,
	`auth_session_id` text,
	`client_instance_id` text,
	`is_active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`last_heartbeat_at` integer NOT NULL,
	`ended_at` integer,
	`end_reason` text,
	FOREIGN KEY (`chat_id`) REFERENCES `chats`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `chat_sessions_user_agent_active_idx` ON `chat_sessions` (`user_id`,`agent_name`,`is_active`);--> statement-breakpoint
CREATE INDEX `chat_sessions_chat_idx` ON `chat_sessions` (`chat_id`);--> statement-breakpoint
CREATE INDEX `chat_sessions_auth_session_idx` ON `chat_sessions` (`auth_session_id`);--> statement-breakpoint
CREATE TABLE `chat_shares` (
	`id` text PRIMARY KEY NOT NULL,
	`chat_id` text NOT NULL,
	`user_id` text NOT NULL,
	`title` text NOT NULL,
	`upto_seq` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`chat_id`) REFERENCES `chats`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `chat_shares_chat_created_idx` ON `chat_shares` (`chat_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `chats` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`agent_name` text NOT NULL,
	`title` text DEFAULT 'New chat' NOT NULL,
	`title_locked` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`archived_at` integer,
	`head_seq` integer
);
--> statement-breakpoint
CREATE INDEX `chats_user_agent_updated_idx` ON `chats` (`user_id`,`agent_name`,`updated_at`);--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`title` text NOT NULL,
	`notes` text DEFAULT '' NOT NULL,
	`status` text DEFAULT 'todo' NOT NULL,
	`priority` text DEFAULT 'normal' NOT NULL,
	`due_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`completed_at` integer
);
--> statement-breakpoint
CREATE INDEX `tasks_user_status_idx` ON `tasks` (`user_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `tasks_user_created_idx` ON `tasks` (`user_id`,`created_at`);