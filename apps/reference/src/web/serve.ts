/**
 * The reading room's single page (HTML, JS, CSS: static files, no data), handed to the gateway as
 * public pages. Every piece of data the page shows comes through the authenticated contract routes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Content-Security-Policy the page works under (scripts and styles from the same origin only). */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** The page's files as gateway `pages`. */
export function webPages(): Record<string, { body: string; type: string }> {
  const read = (f: string): string => readFileSync(join(import.meta.dirname, f), 'utf8');
  return {
    '/': { body: read('index.html'), type: 'text/html; charset=utf-8' },
    '/app.js': { body: read('app.js'), type: 'text/javascript; charset=utf-8' },
    '/style.css': { body: read('style.css'), type: 'text/css; charset=utf-8' },
  };
}
