CREATE TABLE `cursors` (
	`key` text PRIMARY KEY NOT NULL,
	`block` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`invoice_id` text NOT NULL,
	`type` text NOT NULL,
	`created_at` integer NOT NULL,
	`body` text NOT NULL,
	`delivery` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`delivered_at` integer,
	`last_error` text,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "events_delivery_check" CHECK("delivery" in ('pending', 'delivered', 'none'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_seq_unique` ON `events` (`seq`);--> statement-breakpoint
CREATE INDEX `events_delivery_idx` ON `events` (`delivery`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `invoices` (
	`id` text PRIMARY KEY NOT NULL,
	`amount` text NOT NULL,
	`asset` text NOT NULL,
	`decimals` integer NOT NULL,
	`memo` text NOT NULL,
	`label` text,
	`message` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`state` text NOT NULL,
	`received` text DEFAULT '0' NOT NULL,
	`overpaid` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "invoices_state_check" CHECK("state" in ('open', 'underpaid', 'paid', 'settled', 'final', 'expired', 'late'))
);
--> statement-breakpoint
CREATE INDEX `invoices_state_idx` ON `invoices` (`state`);--> statement-breakpoint
CREATE TABLE `payments` (
	`commitment` text PRIMARY KEY NOT NULL,
	`invoice_id` text,
	`match` text NOT NULL,
	`amount` text NOT NULL,
	`asset` text NOT NULL,
	`memo` text NOT NULL,
	`tx_id` text,
	`seen_at` integer NOT NULL,
	`leaf_index` integer,
	`block_number` integer,
	`l1_tx_hash` text,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "payments_match_check" CHECK("match" in ('counted', 'wrong_asset', 'unknown_invoice', 'no_invoice_id'))
);
--> statement-breakpoint
CREATE INDEX `payments_invoice_idx` ON `payments` (`invoice_id`);