// nemo-relay's own diagnostic event names (log records about the outputs, not about the
// agent). They are no semantic convention's: named here once so that a string literal
// starting with `output.` anywhere else in src/outputs can only be a convention name
// typed by hand (test/unit/outputs/convention-names.test.ts).

export const DIAGNOSTIC = {
  OUTPUT_FAILURE: 'output.failure',
  OUTPUT_DROPPED: 'output.dropped',
  OUTPUT_RECOVERED: 'output.recovered',
} as const;
