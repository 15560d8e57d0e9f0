// What an endpoint's published fields change on every span it exports, applied to the finished
// ReadableSpan just before export (on the lane, never in a hook):
// - service_namespace / service_version -> resource attributes; instrumentation_scope -> scope.
// - mark_exclude_names: marks with these names are not exported as span events.
// - promote_metadata_prefixes: a mark's attributes are the metadata this plugin has for a span;
//   keys starting with a prefix are copied onto the span itself (never over an existing key),
//   as the published plugin promotes event metadata. promote_resource_metadata_prefixes does
//   the same onto that span's resource.
// - attribute_mappings: attribute `key` is also written as `alias` (an existing alias is kept).
// - OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: longer strings (also inside string arrays) are cut,
//   on span, event and resource attributes alike.

import type { AttributeValue, Attributes } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';

import type { OtlpOutputConfig } from '../../config/types.ts';

export interface SpanShaping {
  resourceAttributes(base: Attributes): Attributes;
  scope(pluginVersion: string | undefined): InstrumentationScope;
  /** Identity when the endpoint configures nothing that changes spans. */
  finish(span: ReadableSpan): ReadableSpan;
}

type ShapingFields = Pick<
  OtlpOutputConfig,
  'serviceNamespace' | 'serviceVersion' | 'instrumentationScope' | 'markExcludeNames' | 'attributeMappings' | 'promoteMetadataPrefixes' | 'promoteResourceMetadataPrefixes' | 'attributeValueLengthLimit'
>;

export function spanShaping(config: ShapingFields): SpanShaping {
  const exclude = new Set(config.markExcludeNames ?? []);
  const mappings = config.attributeMappings ?? [];
  const promote = config.promoteMetadataPrefixes ?? [];
  const promoteResource = config.promoteResourceMetadataPrefixes ?? [];
  const limit = config.attributeValueLengthLimit;
  const active = exclude.size > 0 || mappings.length > 0 || promote.length > 0 || promoteResource.length > 0 || limit !== undefined;

  const cut = (attrs: Attributes): Attributes => (limit === undefined ? attrs : truncateAll(attrs, limit));

  return {
    resourceAttributes(base) {
      const out: Attributes = { ...base };
      if (config.serviceNamespace !== undefined) out['service.namespace'] = config.serviceNamespace;
      if (config.serviceVersion !== undefined) out['service.version'] = config.serviceVersion;
      return cut(out);
    },

    scope(pluginVersion) {
      const s = config.instrumentationScope;
      if (s) return s.version === undefined ? { name: s.name } : { name: s.name, version: s.version };
      return pluginVersion === undefined ? { name: 'nemo-relay' } : { name: 'nemo-relay', version: pluginVersion };
    },

    finish(span) {
      if (!active) return span;
      const attributes: Attributes = { ...span.attributes };
      const metadata: Attributes = {};
      for (const e of span.events) Object.assign(metadata, e.attributes);
      for (const [k, v] of Object.entries(metadata)) {
        if (v !== undefined && !(k in attributes) && promote.some((p) => k.startsWith(p))) attributes[k] = v;
      }
      for (const { key, alias } of mappings) {
        const v = attributes[key];
        if (v !== undefined && !(alias in attributes)) attributes[alias] = v;
      }
      let resource: Resource = span.resource;
      const promoted: Attributes = {};
      for (const [k, v] of Object.entries(metadata)) {
        if (v !== undefined && !(k in resource.attributes) && promoteResource.some((p) => k.startsWith(p))) promoted[k] = v;
      }
      if (Object.keys(promoted).length > 0) resource = resource.merge(resourceFromAttributes(cut(promoted)));
      const events = span.events.filter((e) => !exclude.has(e.name)).map((e) => (limit === undefined || !e.attributes ? e : { ...e, attributes: cut(e.attributes) }));
      const shaped: ReadableSpan = { ...span, attributes: cut(attributes), events, resource, droppedEventsCount: span.droppedEventsCount };
      return shaped;
    },
  };
}

function truncateAll(attrs: Attributes, limit: number): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attrs)) out[k] = truncate(v, limit);
  return out;
}

function truncate(v: AttributeValue | undefined, limit: number): AttributeValue | undefined {
  if (typeof v === 'string') return v.length > limit ? v.slice(0, limit) : v;
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' && x.length > limit ? x.slice(0, limit) : x)) as AttributeValue;
  return v;
}
