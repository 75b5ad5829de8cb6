CREATE TABLE `checkpoints` (
	`block` integer PRIMARY KEY NOT NULL,
	`block_hash` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `cursors` ADD `block_hash` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `reorgs` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `payments` ADD `orphaned_at` integer;