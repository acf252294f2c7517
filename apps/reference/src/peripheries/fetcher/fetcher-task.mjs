// The fetcher's task module. It runs INSIDE the sandbox (a piscina worker under Node's permission
// model, env emptied), so it is plain JavaScript that plain Node loads without a build, and it imports
// nothing: the worker may read only its own code. The network is reached only through `ctx.fetch`, the
// host-side granted fetch (public unicast addresses on ports 80/443 only, every redirect hop and DNS
// answer re-checked, size and time capped). Untrusted HTML is parsed here, never in the core.

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', mdash: '—', ndash: '–', hellip: '…', rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“' };

/** Decode the HTML entities that matter for reading (named, decimal, hex). */
export function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/giu, (m, e) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

/**
 * Readable text of an HTML page: drops script, style, noscript, svg, head chrome, nav, footer, forms and
 * comments; prefers <article> or <main> when present; keeps block boundaries as line breaks.
 */
export function extractReadable(html) {
  const titleMatch = /<title[^>]*>([\s\S]*?)<\/title>/iu.exec(html);
  const h1Match = /<h1[^>]*>([\s\S]*?)<\/h1>/iu.exec(html);
  const clean = (s) => decodeEntities(s.replace(/<[^>]+>/gu, ' ')).replace(/\s+/gu, ' ').trim();
  let body = html
    .replace(/<!--[\s\S]*?-->/gu, ' ')
    .replace(/<(script|style|noscript|svg|template|iframe|head|nav|footer|form|aside)\b[\s\S]*?<\/\1\s*>/giu, ' ');
  const main = /<(article|main)\b[^>]*>([\s\S]*?)<\/\1\s*>/iu.exec(body);
  if (main && main[2].replace(/<[^>]+>/gu, '').trim().length > 200) body = main[2];
  const text = decodeEntities(
    body
      .replace(/<(br|\/p|\/div|\/h[1-6]|\/li|\/tr|\/section|\/article|\/blockquote|\/pre)\b[^>]*>/giu, '\n')
      .replace(/<[^>]+>/gu, ' '),
  )
    .split('\n')
    .map((l) => l.replace(/[ \t\r\f\v]+/gu, ' ').trim())
    .filter((l) => l.length > 0)
    .join('\n');
  const title = clean(titleMatch?.[1] ?? '') || clean(h1Match?.[1] ?? '');
  return { title: title.slice(0, 300), text: text.slice(0, 200_000) };
}

/** Task: fetch `url` through the granted fetch and extract its readable text. */
export async function fetchPage({ url }, ctx) {
  const res = await ctx.fetch(url, { method: 'GET', headers: { accept: 'text/html,text/plain;q=0.9,*/*;q=0.1', 'user-agent': 'cellular-reading-room/0.1' } });
  const type = res.headers.get('content-type') ?? '';
  const raw = await res.text();
  // An HTTP error is an answer, not a crash: the library decides whether it is worth retrying.
  if (res.status >= 400) return { finalUrl: res.url || url, status: res.status, title: '', text: '', bytes: raw.length };
  const page = /html|xml/iu.test(type) || /^\s*</u.test(raw) ? extractReadable(raw) : { title: '', text: raw.slice(0, 200_000) };
  return { finalUrl: res.url || url, status: res.status, title: page.title || url, text: page.text, bytes: raw.length };
}
