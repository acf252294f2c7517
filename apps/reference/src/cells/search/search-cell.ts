/**
 * The search cell keeps its own full-text index (SQLite FTS5, bm25 ranking, highlighted snippets) fed by
 * DocumentReady events: it owns its data and shares nothing with the library but contracts. User input
 * never reaches FTS5's query syntax: each word becomes a quoted term (the last one a prefix), so a query
 * cannot inject operators.
 */
import Database from 'better-sqlite3';
import { defineCell } from '@cellular/core';
import { DocumentReady, SearchDocuments } from '../../contracts.js';

/** Turn free text into a safe FTS5 MATCH expression (AND of quoted terms, last one a prefix). */
export function toFtsQuery(q: string): string | undefined {
  const terms = q.match(/[\p{L}\p{N}]+/gu)?.slice(0, 12) ?? [];
  if (terms.length === 0) return undefined;
  return terms.map((t, i) => `"${t.replaceAll('"', '""')}"${i === terms.length - 1 ? '*' : ''}`).join(' ');
}

/** The search cell. */
export function searchCell(options: { readonly dbPath: string }) {
  let db: Database.Database | undefined;
  return defineCell({
    name: 'search',
    description: 'Full-text search over titles, text and summaries (SQLite FTS5)',
    capabilities: ['db:search'],
    subscribes: [DocumentReady],
    handles: [SearchDocuments],
    start: ({ bus }) => {
      const d = new Database(options.dbPath);
      db = d;
      d.pragma('journal_mode = WAL');
      d.exec("CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(id UNINDEXED, title, text, summary, tags, tokenize = 'porter unicode61')");
      const del = d.prepare('DELETE FROM docs WHERE id = ?');
      const ins = d.prepare('INSERT INTO docs (id, title, text, summary, tags) VALUES (?, ?, ?, ?, ?)');
      const upsert = d.transaction((doc: { id: string; title: string; text: string; summary: string; tags: string[] }) => {
        del.run(doc.id);
        ins.run(doc.id, doc.title, doc.text, doc.summary, doc.tags.join(' '));
      });
      bus.subscribe(DocumentReady, (doc) => {
        upsert(doc);
      });
      const query = d.prepare(
        "SELECT id, title, snippet(docs, 2, '[', ']', ' … ', 12) AS snippet, bm25(docs, 0, 10.0, 1.0, 3.0, 5.0) AS rank FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?",
      );
      bus.handle(SearchDocuments, ({ q, limit }) => {
        const match = toFtsQuery(q);
        if (!match) return { hits: [] };
        const rows = query.all(match, limit) as { id: string; title: string; snippet: string; rank: number }[];
        return { hits: rows.map((r) => ({ id: r.id, title: r.title, snippet: r.snippet, score: -r.rank })) };
      });
    },
    stop: () => {
      db?.close();
      db = undefined;
    },
  });
}
