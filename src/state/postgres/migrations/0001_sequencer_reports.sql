CREATE TABLE "sequencer_reports" (
	"id" bigint PRIMARY KEY NOT NULL,
	"status" jsonb NOT NULL,
	"reported_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sequencer_reports_one_row" CHECK ("sequencer_reports"."id" = 1)
);
