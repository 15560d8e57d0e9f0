// What an OTLP output may show about itself in nemoRelay.status and logs. Endpoints can
// carry credentials (userinfo, `?api_key=`), and transport errors sometimes echo a URL or
// a header: none of that may leave through health.

const REDACTED = '[redacted]';

/** The endpoint without userinfo, query values or fragment. */
export function redactEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return '[invalid endpoint]';
  }
  if (url.username) url.username = REDACTED;
  url.password = '';
  const keys = [...new Set(url.searchParams.keys())];
  url.search = '';
  for (const key of keys) url.searchParams.append(key, REDACTED);
  url.hash = '';
  // URLSearchParams encodes the brackets; keep the marker readable.
  return url.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED);
}

/**
 * An error message safe to report: every header value and every endpoint secret replaced,
 * URLs in the text reduced as redactEndpoint does, and the length capped.
 */
export function safeErrorMessage(error: unknown, secrets: readonly string[]): string {
  let text: string;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    text = error.message || error.name;
    // OTLPExporterError carries the HTTP status in `code`; network errors a string code.
    if (typeof code === 'number' && !text.includes(String(code))) text = `HTTP ${code} ${text}`;
    else if (typeof code === 'string' && !text.includes(code)) text = `${code}: ${text}`;
  } else {
    text = String(error);
  }
  for (const secret of secrets) {
    // Very short values (e.g. "1") would shred the message and protect nothing.
    if (secret.length >= 4) text = text.split(secret).join(REDACTED);
  }
  text = text.replace(/\bhttps?:\/\/[^\s'"<>]+/g, (url) => redactEndpoint(url));
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/** The values that must never appear in health: header values and URL credentials. */
export function secretsOf(endpoint: string, headers: Record<string, string>): string[] {
  const out = Object.values(headers).filter((v) => v.length > 0);
  // A bearer token is also reported without its scheme by some servers.
  for (const v of Object.values(headers)) {
    const m = /^\s*\S+\s+(\S{4,})\s*$/.exec(v);
    if (m?.[1]) out.push(m[1]);
  }
  try {
    const url = new URL(endpoint);
    if (url.username) out.push(decodeURIComponent(url.username), url.username);
    if (url.password) out.push(decodeURIComponent(url.password), url.password);
    for (const v of url.searchParams.values()) if (v) out.push(v, encodeURIComponent(v));
  } catch {
    // Unparsable, yet errors still echo it (the exporter's "Could not parse ... URL"): take
    // what looks like userinfo and query values from the raw text.
    const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^@/?#]*)@/i.exec(endpoint)?.[1];
    for (const part of userinfo?.split(':') ?? []) if (part) out.push(part, safeDecode(part));
    const query = endpoint.includes('?') ? endpoint.slice(endpoint.indexOf('?') + 1).split('#')[0]! : '';
    for (const pair of query.split('&')) {
      const v = pair.slice(pair.indexOf('=') + 1);
      if (pair.includes('=') && v) out.push(v, safeDecode(v));
    }
  }
  // Longest first, so a value that contains another is replaced whole.
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
