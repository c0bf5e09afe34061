// Writes everything generated from code: docs/catalog.md, the JSON Schemas in schemas/ and the
// Grafana dashboards in dashboards/ (scripts/dashboards.ts).
// Tests fail when any of them is stale: run `npm run generate` after changing a table or a contract.
import { writeFileSync } from 'node:fs';
import { DeliveryEventSchema, SendEventSchema, renderDeliveryEventMarkdown, renderSendEventMarkdown } from '../src/events/index.js';
import { normalizedErrorJsonSchema, renderCatalogMarkdown } from '../src/normalize/index.js';
import { dashboardFiles } from './dashboards.js';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

const outputs: [string, string][] = [
  ['docs/catalog.md', renderCatalogMarkdown()],
  ['schemas/normalized-error.v1.json', json(normalizedErrorJsonSchema())],
  ['docs/send-event.md', renderSendEventMarkdown()],
  ['schemas/send-event.v1.json', json({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...SendEventSchema })],
  ['docs/delivery-event.md', renderDeliveryEventMarkdown()],
  ['schemas/delivery-event.v1.json', json({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...DeliveryEventSchema })],
  ...dashboardFiles(),
];
for (const [path, content] of outputs) {
  writeFileSync(new URL(`../${path}`, import.meta.url), content);
  console.log(`wrote ${path}`);
}
