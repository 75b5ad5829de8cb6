CREATE TABLE `batches` (
	`number` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`proof` text,
	`old_root` text,
	`new_root` text,
	`start_index` integer,
	`l1_tx_hash` text,
	`l1_block` integer,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`settled_at` integer,
	CONSTRAINT "batches_state_check" CHECK("batches"."state" in ('open', 'sealed', 'proving', 'proven', 'submitted', 'settled', 'final', 'failed')),
	CONSTRAINT "batches_old_root_check" CHECK("batches"."old_root" is null or (length("batches"."old_root") = 66 and substr("batches"."old_root", 1, 2) = '0x' and substr("batches"."old_root", 3) not glob '*[^0-9a-f]*')),
	CONSTRAINT "batches_new_root_check" CHECK("batches"."new_root" is null or (length("batches"."new_root") = 66 and substr("batches"."new_root", 1, 2) = '0x' and substr("batches"."new_root", 3) not glob '*[^0-9a-f]*'))
);
--> statement-breakpoint
CREATE INDEX `batches_state_idx` ON `batches` (`state`);--> statement-breakpoint
CREATE TABLE `leaves` (
	`leaf_index` integer PRIMARY KEY NOT NULL,
	`commitment` text NOT NULL,
	`ciphertext` blob NOT NULL,
	`epk` blob NOT NULL,
	`batch_number` integer NOT NULL,
	FOREIGN KEY (`batch_number`) REFERENCES `batches`(`number`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "leaves_commitment_check" CHECK(length("leaves"."commitment") = 66 and substr("leaves"."commitment", 1, 2) = '0x' and substr("leaves"."commitment", 3) not glob '*[^0-9a-f]*')
);
--> statement-breakpoint
CREATE INDEX `leaves_batch_idx` ON `leaves` (`batch_number`);--> statement-breakpoint
CREATE TABLE `nullifiers` (
	`value` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`tx_id` text,
	FOREIGN KEY (`tx_id`) REFERENCES `transactions`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "nullifiers_status_check" CHECK("nullifiers"."status" in ('pending', 'spent')),
	CONSTRAINT "nullifiers_value_check" CHECK(length("nullifiers"."value") = 66 and substr("nullifiers"."value", 1, 2) = '0x' and substr("nullifiers"."value", 3) not glob '*[^0-9a-f]*')
);
--> statement-breakpoint
CREATE INDEX `nullifiers_tx_idx` ON `nullifiers` (`tx_id`);--> statement-breakpoint
CREATE TABLE `roots` (
	`root` text PRIMARY KEY NOT NULL,
	`leaf_count` integer NOT NULL,
	`batch_number` integer,
	FOREIGN KEY (`batch_number`) REFERENCES `batches`(`number`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "roots_root_check" CHECK(length("roots"."root") = 66 and substr("roots"."root", 1, 2) = '0x' and substr("roots"."root", 3) not glob '*[^0-9a-f]*')
);
--> statement-breakpoint
CREATE UNIQUE INDEX `roots_leaf_count_idx` ON `roots` (`leaf_count`);--> statement-breakpoint
CREATE TABLE `sync_cursors` (
	`key` text PRIMARY KEY NOT NULL,
	`block` integer NOT NULL,
	`block_hash` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `transactions` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`status` text NOT NULL,
	`reject_code` text,
	`reject_message` text,
	`payload` text NOT NULL,
	`nullifiers` text NOT NULL,
	`commitments` text NOT NULL,
	`ext_data_hash` text NOT NULL,
	`root` text NOT NULL,
	`created_at` integer NOT NULL,
	`batch_number` integer,
	`position` integer,
	FOREIGN KEY (`batch_number`) REFERENCES `batches`(`number`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "transactions_status_check" CHECK("transactions"."status" in ('pending', 'batched', 'proving', 'submitted', 'settled', 'final', 'rejected')),
	CONSTRAINT "transactions_reject_check" CHECK(("transactions"."status" = 'rejected') = ("transactions"."reject_code" is not null and "transactions"."reject_message" is not null)),
	CONSTRAINT "transactions_batch_check" CHECK(("transactions"."batch_number" is null) = ("transactions"."position" is null)),
	CONSTRAINT "transactions_ext_data_hash_check" CHECK(length("transactions"."ext_data_hash") = 66 and substr("transactions"."ext_data_hash", 1, 2) = '0x' and substr("transactions"."ext_data_hash", 3) not glob '*[^0-9a-f]*'),
	CONSTRAINT "transactions_root_check" CHECK(length("transactions"."root") = 66 and substr("transactions"."root", 1, 2) = '0x' and substr("transactions"."root", 3) not glob '*[^0-9a-f]*')
);
--> statement-breakpoint
CREATE UNIQUE INDEX `transactions_id_unique` ON `transactions` (`id`);--> statement-breakpoint
CREATE INDEX `transactions_status_seq_idx` ON `transactions` (`status`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `transactions_batch_position_idx` ON `transactions` (`batch_number`,`position`);