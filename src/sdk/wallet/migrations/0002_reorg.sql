CREATE TABLE `checkpoints` (
	`block` integer PRIMARY KEY NOT NULL,
	`block_hash` text NOT NULL,
	`tree_size` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `notes` ADD `spent_tx_key` text;