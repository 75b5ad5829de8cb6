CREATE TABLE `deposits` (
	`key` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`asset` text NOT NULL,
	`amount` text NOT NULL,
	`transaction` text NOT NULL,
	`tx_id` text,
	`unlock_block` integer,
	`last_error` text,
	`created_at` integer NOT NULL
);
