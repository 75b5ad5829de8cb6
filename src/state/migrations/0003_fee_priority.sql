ALTER TABLE `transactions` ADD `priority` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `transactions_status_priority_idx` ON `transactions` (`status`,`priority`,`seq`);