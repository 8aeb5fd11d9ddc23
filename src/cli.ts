// The `aisle` command. Exit codes: 0 ok, 1 failed, 2 bad usage or settings, 3 an import rejected some records.
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from './config.js';
import { databaseTarget, openDatabase } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { DatabaseLockedError } from './db/pglite-lock.js';
import { AppError } from './errors.js';
import { registerCatalogCommands } from './cli/catalog-commands.js';
import { registerMerchantCommands } from './cli/merchant-commands.js';
import { out, UsageError } from './cli/common.js';
import { registerCompanyCommands } from './cli/company-commands.js';
import { registerMcpCommand } from './cli/mcp-command.js';
import { serve } from './cli/serve.js';
import { registerWebhookCommands } from './cli/webhook-commands.js';
import { registerWorkerCommand } from './cli/worker.js';
import { VERSION } from './version.js';

const program = new Command()
  .name('aisle')
  .description('Aisle: a self-hostable AI shopping-agent platform.')
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride();

program
  .command('serve')
  .description(
    'Start the server (REST API, docs); applies migrations first. Settings come from the environment.',
  )
  .action(async () => serve(loadConfig()));

program
  .command('migrate')
  .description('Apply pending database migrations and exit.')
  .action(async () => {
    const database = await openDatabase(databaseTarget(loadConfig()));
    try {
      await migrateDatabase(database);
      out(`Migrations applied (${database.driver}: ${database.location}).`);
    } finally {
      await database.close();
    }
  });

registerCompanyCommands(program);
registerCatalogCommands(program);
registerMerchantCommands(program);
registerMcpCommand(program);
registerWebhookCommands(program);
registerWorkerCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof UsageError || err instanceof ConfigError) {
    process.stderr.write(`aisle: ${err.message}\n`);
    process.exitCode = 2;
  } else if (err instanceof AppError || err instanceof DatabaseLockedError) {
    process.stderr.write(`aisle: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`aisle: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
