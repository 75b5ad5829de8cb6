CREATE TABLE `history` (
	`tx_key` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`asset` text NOT NULL,
	`amount` text NOT NULL,
	`counterparty` text,
	`memo` text,
	`tx_id` text,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`block` integer,
	`l1_tx_hash` text
);
--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `notes` (
	`leaf_index` integer PRIMARY KEY NOT NULL,
	`commitment` text NOT NULL,
	`nullifier` text NOT NULL,
	`asset` text NOT NULL,
	`amount` text NOT NULL,
	`blinding` text NOT NULL,
	`memo` text NOT NULL,
	`tx_key` text NOT NULL,
	`received_block` integer NOT NULL,
	`spent_block` integer,
	`pending_tx` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notes_nullifier_unique` ON `notes` (`nullifier`);--> statement-breakpoint
CREATE TABLE `tree` (
	`id` integer PRIMARY KEY NOT NULL,
	`snapshot` blob NOT NULL
);
