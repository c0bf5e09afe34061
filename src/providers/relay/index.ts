/** relay (a workspace-scoped API relaying through SES): its error catalog and HTTP API; its feedback uses sendlens's generic format. */
export { relay as relayCatalog } from './catalog.js';
export { relayHttpApi } from './http.js';
