// Writes everything generated from code: docs/catalog.md, the JSON Schemas in schemas/ and the
// Grafana dashboards in dashboards/ (scripts/dashboards.ts) and the Grafana alert rules (src/alerts).
// Tests fail when any of them is stale: run `npm run generate` after changing a table or a contract.
import { mkdirSync, writeFileSync } from 'node:fs';
import { DeliveryEventSchema, SendEventSchema, renderDeliveryEventMarkdown, renderSendEventMarkdown } from '../src/events/index.js';
import { normalizedErrorJsonSchema, renderCatalogMarkdown } from '../src/normalize/index.js';
import { ALERTING_FILE, ALERT_RULES, renderAlertingYaml } from '../src/alerts/index.js';
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
  [ALERTING_FILE, renderAlertingYaml(ALERT_RULES)],
];
for (const [path, content] of outputs) {
  mkdirSync(new URL(`../${path.split('/').slice(0, -1).join('/')}/`, import.meta.url), { recursive: true });
  writeFileSync(new URL(`../${path}`, import.meta.url), content);
  console.log(`wrote ${path}`);
}
