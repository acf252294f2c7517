import { describe, expect, it } from 'vitest';
// The task module is plain JS that runs inside the sandbox; its pure helpers are tested directly here.
// @ts-expect-error -- plain .mjs without types, by design (the sandbox loads it without a build)
import { decodeEntities, extractReadable, fetchPage } from './fetcher-task.mjs';

type Extract = (html: string) => { title: string; text: string };
const extract = extractReadable as Extract;

describe('fetcher task', () => {
  it('extracts title and article text, dropping scripts, styles, nav and footer', () => {
    const html = `<html><head><title>Hello &amp; welcome</title><style>p{color:red}</style><script>alert(1)</script></head>
      <body><nav>Home | About</nav><article><h1>Heading</h1><p>First paragraph with <b>bold</b> text that is long enough to count as the main content of this page.</p>
      <p>Second paragraph &mdash; with an entity and &#169; and &#x263A;. It adds more words so the article wins over the body.</p></article>
      <footer>Copyright</footer><!-- secret comment --></body></html>`;
    const { title, text } = extract(html);
    expect(title).toBe('Hello & welcome');
    expect(text).toContain('First paragraph with bold text');
    expect(text).toContain('— with an entity and © and ☺');
    for (const junk of ['alert', 'color:red', 'Home | About', 'Copyright', 'secret comment']) expect(text).not.toContain(junk);
    expect(text.split('\n').length).toBeGreaterThanOrEqual(3);
  });

  it('decodes only valid entities', () => {
    expect((decodeEntities as (s: string) => string)('&lt;a&gt; &#0; &#x110000; &bogus;')).toBe('<a> &#0; &#x110000; &bogus;');
  });

  it('uses only the granted fetch from its context and returns HTTP errors as a status', async () => {
    const calls: string[] = [];
    const ctx = {
      fetch: async (url: string) => {
        calls.push(url);
        return new Response('<title>T</title><p>Body text.</p>', { status: 200, headers: { 'content-type': 'text/html' } });
      },
    };
    const page = (await fetchPage({ url: 'https://example.org/a' }, ctx)) as { title: string; text: string; status: number };
    expect(calls).toEqual(['https://example.org/a']);
    expect(page).toMatchObject({ title: 'T', status: 200 });
    const failing = { fetch: async () => new Response('nope', { status: 404 }) };
    expect(await fetchPage({ url: 'https://example.org/b' }, failing)).toMatchObject({ status: 404, text: '' });
  });
});
