ALTER TABLE "companies" ADD COLUMN "allowed_tools" text[];--> statement-breakpoint
ALTER TABLE "companies" ADD CONSTRAINT "companies_secret_key_hash_unique" UNIQUE("secret_key_hash");