CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash_unique` ON `api_keys` (`hash`);--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
DROP INDEX `invoices_state_idx`;--> statement-breakpoint
ALTER TABLE `invoices` ADD `order_id` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `metadata` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `redirect_url` text;--> statement-breakpoint
CREATE INDEX `invoices_state_expires_idx` ON `invoices` (`state`,`expires_at`);--> statement-breakpoint
CREATE INDEX `invoices_created_idx` ON `invoices` (`created_at`,`id`);