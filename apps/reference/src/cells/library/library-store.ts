/**
 * The library's own store: embedded SQLite (better-sqlite3) in WAL mode on disk, so documents survive a
 * restart and a backup is one `VACUUM INTO`. The store is the source of truth for each document's status;
 * the durable fetch stream is how work gets done, and `pending()` lets the cell re-enqueue anything a
 * crash or restart interrupted.
 */
import Database from 'better-sqlite3';
import { CellularError, newMessageId } from '@cellular/core';
import type { z } from 'zod';
import type { DocumentStatus, DocumentView } from '../../contracts.js';
import { ContentCipher, type SealedField } from './content-cipher.js';

type Status = z.infer<typeof DocumentStatus>;
type View = z.infer<typeof DocumentView>;

interface Row {
  id: string;
  url: string;
  title: string;
  status: Status;
  error: string | null;
  summary: string;
  summary_method: string;
  text: string | null;
  bytes: number;
  tags: string;
  submitted_by: string;
  created_at: number;
  updated_at: number;
}

const SEALED: readonly SealedField[] = ['title', 'text', 'summary'];

/** Documents, tags and statuses in one SQLite file; content sealed at rest when a cipher is given. */
export class LibraryStore {
  readonly #db: Database.Database;
  readonly #cipher: ContentCipher;

  constructor(path: string, cipher: ContentCipher = new ContentCipher(() => undefined)) {
    this.#cipher = cipher;
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 10000');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS documents (
        id TEXT PRIMARY KEY, url TEXT NOT NULL, title TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,
        error TEXT, summary TEXT NOT NULL DEFAULT '', summary_method TEXT NOT NULL DEFAULT '', text TEXT,
        bytes INTEGER NOT NULL DEFAULT 0, tags TEXT NOT NULL DEFAULT '[]', submitted_by TEXT NOT NULL,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS documents_created ON documents(created_at DESC);
      CREATE INDEX IF NOT EXISTS documents_status ON documents(status);`);
  }

  /** Insert a new queued document; returns its id. */
  insert(url: string, submittedBy: string, tags: readonly string[], now = Date.now()): string {
    const id = newMessageId(now);
    this.#db
      .prepare('INSERT INTO documents (id, url, status, submitted_by, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, url, 'queued', submittedBy, JSON.stringify(tags), now, now);
    return id;
  }

  get(id: string, withText = true): View | undefined {
    const row = this.#db.prepare('SELECT * FROM documents WHERE id = ?').get(id) as Row | undefined;
    return row ? this.#view(row, withText) : undefined;
  }

  list(options: { tag?: string | undefined; limit: number; offset: number }): { items: View[]; total: number } {
    const where = options.tag ? "WHERE EXISTS (SELECT 1 FROM json_each(documents.tags) WHERE value = @tag)" : '';
    const params = { tag: options.tag, limit: options.limit, offset: options.offset };
    const rows = this.#db.prepare(`SELECT * FROM documents ${where} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`).all(params) as Row[];
    const { n } = this.#db.prepare(`SELECT count(*) AS n FROM documents ${where}`).get(params) as { n: number };
    return { items: rows.map((r) => this.#view(r, false)), total: n };
  }

  setStatus(id: string, status: Status, error?: string, now = Date.now()): void {
    this.#db.prepare('UPDATE documents SET status = ?, error = ?, updated_at = ? WHERE id = ?').run(status, error ?? null, now, id);
  }

  setFetched(id: string, page: { title: string; text: string; bytes: number; finalUrl: string }, now = Date.now()): void {
    this.#db
      .prepare("UPDATE documents SET status = 'fetched', title = ?, text = ?, bytes = ?, error = NULL, updated_at = ? WHERE id = ?")
      .run(this.#cipher.seal(id, 'title', page.title), this.#cipher.seal(id, 'text', page.text), page.bytes, now, id);
  }

  setSummary(id: string, summary: string, method: string, now = Date.now()): void {
    this.#db
      .prepare("UPDATE documents SET status = 'summarised', summary = ?, summary_method = ?, updated_at = ? WHERE id = ?")
      .run(this.#cipher.seal(id, 'summary', summary), method, now, id);
  }

  setTags(id: string, tags: readonly string[], now = Date.now()): boolean {
    return this.#db.prepare('UPDATE documents SET tags = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(tags), now, id).changes === 1;
  }

  /** Documents whose work was interrupted (queued, fetching or fetched), oldest first. */
  pending(): { id: string; url: string; status: Status; updatedAt: number }[] {
    return this.#db
      .prepare("SELECT id, url, status, updated_at AS updatedAt FROM documents WHERE status IN ('queued','fetching','fetched') ORDER BY created_at")
      .all() as { id: string; url: string; status: Status; updatedAt: number }[];
  }

  /** Counts per status. */
  counts(): Record<string, number> {
    const rows = this.#db.prepare('SELECT status, count(*) AS n FROM documents GROUP BY status').all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** Consistent online backup to `path` (VACUUM INTO). */
  backup(path: string): void {
    this.#db.prepare('VACUUM INTO ?').run(path);
  }

  /**
   * Re-seal every row's content under the cipher's active key (plaintext rows get sealed; rows already
   * under the active key are left alone), in one transaction. Returns how many rows were rewritten and
   * how many still use another key (0 unless the keyring changed meanwhile).
   */
  reseal(): { rewritten: number; rows: number; stale: number } {
    const active = this.#cipher.activeKeyId;
    if (active === undefined) throw new CellularError('INVALID_CONFIG', 'No encryption key is configured: nothing to seal with');
    const select = this.#db.prepare('SELECT id, title, text, summary FROM documents');
    const update = this.#db.prepare('UPDATE documents SET title = ?, text = ?, summary = ? WHERE id = ?');
    const current = (v: string | null): boolean => v === null || v === '' || ContentCipher.keyIdOf(v) === active;
    let rewritten = 0;
    let count = 0;
    // IMMEDIATE: the write lock is taken before reading, so no write of the app falls in between
    this.#db.transaction(() => {
      const rows = select.all() as Pick<Row, 'id' | 'title' | 'text' | 'summary'>[];
      count = rows.length;
      for (const r of rows) {
        if (current(r.title) && current(r.text) && current(r.summary)) continue;
        const reseal = (f: SealedField, v: string | null): string | null => (v === null ? null : this.#cipher.seal(r.id, f, this.#cipher.open(r.id, f, v)));
        update.run(reseal('title', r.title), reseal('text', r.text), reseal('summary', r.summary), r.id);
        rewritten++;
      }
    }).immediate();
    return { rewritten, rows: count, stale: this.keyUsage().filter((k) => k.kid !== active).reduce((n, k) => n + k.fields, 0) };
  }

  /** How many content fields are sealed under each key id (`plaintext` for unsealed non-empty ones). */
  keyUsage(): { kid: string; fields: number }[] {
    const counts = new Map<string, number>();
    for (const f of SEALED) {
      const values = this.#db.prepare(`SELECT ${f} AS v FROM documents WHERE ${f} IS NOT NULL AND ${f} != ''`).pluck().all() as string[];
      for (const v of values) {
        const kid = ContentCipher.keyIdOf(v) ?? 'plaintext';
        counts.set(kid, (counts.get(kid) ?? 0) + 1);
      }
    }
    return [...counts].map(([kid, fields]) => ({ kid, fields })).sort((a, b) => a.kid.localeCompare(b.kid));
  }

  close(): void {
    this.#db.close();
  }

  #view(r: Row, withText: boolean): View {
    return toView({ ...r, title: this.#cipher.open(r.id, 'title', r.title), summary: this.#cipher.open(r.id, 'summary', r.summary), text: r.text }, withText, (t) =>
      this.#cipher.open(r.id, 'text', t),
    );
  }
}

function toView(r: Row, withText: boolean, openText: (t: string) => string): View {
  const v: View = {
    id: r.id,
    url: r.url,
    title: r.title || r.url,
    status: r.status,
    summary: r.summary,
    summaryMethod: r.summary_method,
    bytes: r.bytes,
    tags: JSON.parse(r.tags) as string[],
    submittedBy: r.submitted_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  if (r.error) v.error = r.error;
  if (withText && r.text !== null) v.text = openText(r.text);
  return v;
}
