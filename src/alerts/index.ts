/**
 * alerts: the rules as data (one SQL per rule, with a threshold), evaluated
 * by `sendlens alerts check` and provisioned to Grafana from the same table.
 */
export { ALERT_RULES, SPIKE } from './rules.js';
export type { AlertRule } from './rules.js';
export { evaluateRules } from './evaluate.js';
export type { FiringAlert } from './evaluate.js';
export { provisioningDocument, renderAlertingYaml, toYaml, DATASOURCE_UID, ALERTING_FILE } from './provisioning.js';
