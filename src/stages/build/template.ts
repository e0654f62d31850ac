import { UsageError } from '../../errors.js';
import type { Target } from '../../targets/parse.js';

export const DEFAULT_OUTPUT_TEMPLATE = '{name}-{goos}-{goarch}{-variant}{ext}';
const PLACEHOLDER = /\{([^{}]*)\}/g;
const KNOWN = ['name', 'goos', 'goarch', 'variant', '-variant', 'ext', 'version'];

export interface TemplateValues {
  name: string;
  version: string;
  target: Target;
}

/** The file extension go's output conventionally takes for a port. */
export function executableExtension(goos: string, goarch: string): string {
  if (goos === 'windows') return '.exe';
  if (goarch === 'wasm') return '.wasm';
  return '';
}

/** Checks a template's placeholders once, before any target is rendered. */
export function checkTemplate(template: string): void {
  for (const match of template.matchAll(PLACEHOLDER)) {
    const key = match[1] ?? '';
    if (!KNOWN.includes(key)) {
      throw new UsageError(
        `output template "${template}": unknown placeholder {${key}} (use ${KNOWN.map((k) => `{${k}}`).join(' ')})`,
      );
    }
  }
}

/** Renders the output file name for one target. */
export function renderOutputName(template: string, values: TemplateValues): string {
  const { target } = values;
  const map: Record<string, string> = {
    name: values.name,
    goos: target.goos,
    goarch: target.goarch,
    variant: target.variant ?? '',
    '-variant': target.variant ? `-${target.variant}` : '',
    ext: executableExtension(target.goos, target.goarch),
    version: values.version,
  };
  return template.replace(PLACEHOLDER, (_, key: string) => map[key] ?? '');
}
