import { createStoreClient, describeStore, loadMigrations, migrate, migrationSettingsFromEnv, renderStatements, storeConfigFromEnv } from '../../store/index.js';

export interface MigrateCommandOptions {
  print?: boolean;
  json?: boolean;
  cluster?: string;
}

/** Applies the schema (or prints it, rendered for this configuration, with --print). */
export async function runMigrate(options: MigrateCommandOptions, stdout: NodeJS.WritableStream): Promise<number> {
  const settings = migrationSettingsFromEnv();
  if (options.cluster) settings.cluster = options.cluster;
  if (options.print) {
    for (const migration of loadMigrations()) {
      stdout.write(`-- ${migration.name}\n${renderStatements(migration.sql, settings).map((statement) => `${statement};\n`).join('\n')}\n`);
    }
    return 0;
  }
  const store = storeConfigFromEnv();
  const client = await createStoreClient(store);
  try {
    const result = await migrate(client, settings);
    if (options.json) stdout.write(`${JSON.stringify({ store: describeStore(store), ...result })}\n`);
    else {
      stdout.write(`${describeStore(store)}, database ${settings.database}${settings.cluster ? `, cluster ${settings.cluster}` : ''}\n`);
      for (const name of result.applied) stdout.write(`applied  ${name}\n`);
      stdout.write(`${result.applied.length} applied, ${result.alreadyApplied.length} already applied\n`);
    }
    return 0;
  } finally {
    await client.close();
  }
}
