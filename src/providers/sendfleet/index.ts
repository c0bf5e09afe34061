/** SendFleet: its error catalog and HTTP API; its feedback uses sendlens's generic format. */
export { sendfleet as sendfleetCatalog } from './catalog.js';
export { sendfleetHttpApi } from './http.js';
