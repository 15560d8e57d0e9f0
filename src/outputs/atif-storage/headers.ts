// Request headers for the HTTP store and the ATOF stream sinks, resolved once at startup:
// `headers` (literal values), `header_env` (header name -> env var holding the whole value,
// so secrets stay out of the config file) and `header_file`.
//
// `header_file` (published plugin field; its file format is not documented there): a file
// of `Name: value` lines (the curl `-H @file` convention; blank lines and `#` comments
// skipped), or a JSON object of name -> string when the file starts with `{`. It is read
// once at startup, like `header_env`. A header named twice across the three sources is a
// config error, as the published plugin rejects the same header in `headers` and `header_env`.

import { readFileSync } from 'node:fs';

export interface HeaderSources {
  headers?: unknown;
  header_env?: unknown;
  header_file?: unknown;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `where` names the config object, e.g. `atif.storage[1]`, so errors point at the field. */
export function resolveHeaders(src: HeaderSources, where: string, env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (name: string, value: string, field: string): void => {
    if (!TOKEN.test(name)) throw new ConfigError(`${where}.${field}: expected a header name (RFC 9110 token), found ${JSON.stringify(name)}`);
    const key = name.toLowerCase();
    if (key in out) throw new ConfigError(`${where}.${field}: header ${JSON.stringify(name)} is set more than once (headers, header_env, header_file)`);
    if (/[\r\n]/.test(value)) throw new ConfigError(`${where}.${field}: header ${JSON.stringify(name)} value contains a line break`);
    out[key] = value;
  };
  for (const [name, value] of Object.entries(stringMap(src.headers, `${where}.headers`))) add(name, value, 'headers');
  for (const [name, variable] of Object.entries(stringMap(src.header_env, `${where}.header_env`))) {
    const value = env[variable];
    if (value === undefined || value.trim() === '') {
      throw new ConfigError(`${where}.header_env.${name}: expected environment variable ${variable} to be set and non-blank`);
    }
    add(name, value, `header_env.${name}`);
  }
  if (src.header_file !== undefined) {
    if (typeof src.header_file !== 'string' || src.header_file === '') {
      throw new ConfigError(`${where}.header_file: expected a file path, found ${JSON.stringify(src.header_file)}`);
    }
    for (const [name, value] of readHeaderFile(src.header_file, `${where}.header_file`)) add(name, value, 'header_file');
  }
  return out;
}

function readHeaderFile(file: string, where: string): [string, string][] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${where}: cannot read ${file}: ${(err as Error).message}`);
  }
  if (text.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`${where}: ${file} starts with "{" but is not valid JSON: ${(err as Error).message}`);
    }
    return Object.entries(stringMap(parsed, where));
  }
  const out: [string, string][] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ConfigError(`${where}: ${file} line ${i + 1}: expected "Name: value"`);
    out.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  });
  return out;
}

function stringMap(value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${where}: expected an object of strings, found ${Array.isArray(value) ? 'array' : typeof value}`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new ConfigError(`${where}.${k}: expected string, found ${typeof v}`);
    out[k] = v;
  }
  return out;
}
