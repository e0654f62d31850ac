import { UsageError } from '../../errors.js';
import { relativePathProblem } from '../../fs/confine.js';
import type { Target } from '../../targets/parse.js';

export const DEFAULT_OUTPUT_TEMPLATE = '{name}-{goos}-{goarch}{-variant}{ext}';
const PLACEHOLDER = /\{([^{}]*)\}/g;
const KNOWN = ['name', 'goos', 'goarch', 'variant', '-variant', 'ext', 'version'];
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

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

/**
 * Checks a template's characters and placeholders once, before any target is rendered. `what`
 * names where it came from (`--template`, `crossgo.yaml: output`). A control character is refused:
 * a newline in a file name would forge a line of SHA256SUMS and of the signed checksums file.
 */
export function checkTemplate(template: string, what = 'output template'): void {
  if (CONTROL.test(template)) {
    throw new UsageError(
      `${what} ${JSON.stringify(template)} holds a control character: file names may not (a newline would forge a checksums line)`,
    );
  }
  for (const match of template.matchAll(PLACEHOLDER)) {
    const key = match[1] ?? '';
    if (!KNOWN.includes(key)) {
      throw new UsageError(
        `${what} "${template}": unknown placeholder {${key}} (use ${KNOWN.map((k) => `{${k}}`).join(' ')})`,
      );
    }
  } // A brace left over is a placeholder typed wrong ("{name}-{goos"), not part of a file name.
  const stray = /[{}]/.exec(template.replace(PLACEHOLDER, ''));
  if (stray) {
    throw new UsageError(
      `${what} "${template}": a "${stray[0]}" without its pair (placeholders are {name}, {goos}, …)`,
    );
  }
}

/**
 * Renders the output file name for one target: a plain relative path (relativePathProblem), so
 * `sub/` (which go would write as a file named `sub`), `a//b`, `./x` and `../x` are refused.
 */
export function renderOutputName(template: string, values: TemplateValues, what = 'output template'): string {
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
  const name = template.replace(PLACEHOLDER, (_, key: string) => map[key] ?? '');
  const problem = name.endsWith('/')
    ? `ends with "/" (go would write a file named ${JSON.stringify(name.replace(/\/+$/, '').split('/').at(-1) ?? '')})`
    : relativePathProblem(name);
  if (problem) {
    const gives = `${what} ${JSON.stringify(template)} gives ${JSON.stringify(name)} for ${target.id}`;
    if (problem.startsWith('climbs out') || problem.startsWith('is an absolute'))
      throw new UsageError(
        `${gives}, which would write outside the output folder (it ${problem}): keep it inside`,
      );
    throw new UsageError(
      `${gives}, which ${problem}: it must name a file inside the output folder, e.g. {name}-{goos}-{goarch}{ext} or bin/{name}{ext}`,
    );
  }
  return name;
}
