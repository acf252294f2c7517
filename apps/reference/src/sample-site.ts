/**
 * A small local test site, started beside the app on loopback, so a newcomer can submit a link and
 * watch it be fetched, summarised and indexed without touching the internet. The fetcher reaches it
 * only because the app grants exactly this host:port (loopback is refused by default).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const ARTICLES: Record<string, { title: string; body: string[] }> = {
  'cellular-monolith': {
    title: 'The cellular monolith',
    body: [
      'A cellular monolith is one modular process whose cells talk only over a typed in-memory bus.',
      'Risky work such as fetching web pages, reading files or calling other networks runs in sandboxed peripheries, outside the trusted core.',
      'A single hardened gateway is the only way in, and it authenticates, authorises and audits every request.',
      'Distribution is a deliberate decision: a cell moves to its own process only when an objective trigger fires, such as sustained CPU load or more than 150 concurrent users.',
      'Because cells share contracts and not code, moving a cell from the in-memory bus to NATS or Redis is a change of configuration.',
    ],
  },
  'governed-regeneration': {
    title: 'Governed regeneration',
    body: [
      'Regenerating a package from updated requirements avoids the slow accumulation of technical debt that patching brings.',
      'Regeneration is governed: the model is pinned to an exact dated version, every change is checked by a semantic diff of the public API, and a cost budget stops a run before it overspends.',
      'End-to-end tests are the final gate, and a breaking change needs an explicit decision by a human.',
    ],
  },
  'trigger-based-distribution': {
    title: 'Trigger-based distribution',
    body: [
      'Premature distribution adds network failures, deployment work and operational cost without benefit.',
      'The trigger monitor measures CPU, event-loop delay, concurrent users, latency and error rates, and the size of the codebase in tokens against the model context window.',
      'Each rule fires only when its condition holds for a sustained period, and a tolerance band keeps noisy signals from flapping.',
      'A playbook answers each trigger, and by default it only recommends: moving traffic requires explicit opt-in.',
    ],
  },
};

function page(title: string, paragraphs: readonly string[]): string {
  const ps = paragraphs.map((p) => `<p>${p}</p>`).join('\n');
  return `<!doctype html><html><head><title>${title}</title><style>body{font-family:sans-serif}</style><script>var tracking=1;</script></head>
<body><nav><a href="/">Home</a></nav><article><h1>${title}</h1>\n${ps}</article><footer>Sample site for the Cellular reading room</footer></body></html>`;
}

/** A running sample site. */
export interface SampleSite {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** `127.0.0.1:<port>`, the grant the fetcher needs. */
  readonly hostPort: string;
  /** Full URLs of the articles. */
  readonly articles: readonly string[];
  close(): Promise<void>;
}

/** Start the sample site on 127.0.0.1 (port 0 = any free port). */
export async function startSampleSite(port = 0): Promise<SampleSite> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const slug = path.replace(/^\/articles\//u, '').replace(/\.html$/u, '');
    const article = ARTICLES[slug];
    if (path === '/' || path === '/index.html') {
      const links = Object.entries(ARTICLES).map(([s, a]) => `<li><a href="/articles/${s}.html">${a.title}</a></li>`);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page('Sample articles', [`<ul>${links.join('')}</ul>`]));
    } else if (article) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(article.title, article.body));
    } else if (path === '/slow') {
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('finally'), 60_000).unref();
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: actual } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${actual}`;
  return {
    origin,
    hostPort: `127.0.0.1:${actual}`,
    articles: Object.keys(ARTICLES).map((s) => `${origin}/articles/${s}.html`),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => { resolve(); });
      }),
  };
}
