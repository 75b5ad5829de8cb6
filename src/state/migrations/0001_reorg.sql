ALTER TABLE `batches` ADD `l1_block_hash` text;--> statement-breakpoint
ALTER TABLE `nullifiers` ADD `batch_number` integer REFERENCES batches(number);--> statement-breakpoint
CREATE INDEX `nullifiers_batch_idx` ON `nullifiers` (`batch_number`);--> statement-breakpoint
-- Nullifiers our own settled batches spent before this column existed: their batch is their transaction's.
UPDATE `nullifiers` SET `batch_number` = (SELECT `batch_number` FROM `transactions` WHERE `transactions`.`id` = `nullifiers`.`tx_id`) WHERE `status` = 'spent' AND `tx_id` IS NOT NULL;
