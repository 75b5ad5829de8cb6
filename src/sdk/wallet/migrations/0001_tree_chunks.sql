CREATE TABLE `tree_chunks` (
	`level` integer NOT NULL,
	`chunk` integer NOT NULL,
	`nodes` blob NOT NULL,
	PRIMARY KEY(`level`, `chunk`)
);
