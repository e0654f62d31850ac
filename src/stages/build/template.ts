import { UsageError } from '../../errors.js';
import { relativePathProblem } from '../../fs/confine.js';
import {
  compileTemplate,
  renderTemplate,
  type Template,
  type TemplateValues,
} from '../../template/engine.js';

export const DEFAULT_OUTPUT_TEMPLATE = '{name}-{goos}-{goarch}{-variant}{ext}';
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The file extension go's output conventionally takes for a port. */
export function executableExtension(goos: string, goarch: string): string {
  if (goos === 'windows') return '.exe';
  if (goarch === 'wasm') return '.wasm';
  return '';
}

/**
 * Checks an output template once, before any target is rendered, and compiles it with the
 * template engine (a target's placeholders: {name} {goos} {goarch} {variant} {-variant} {ext}
 * {version}, and {os} {arch} {arm} … as everywhere). `what` names where it came from
 * (`--template`, `crossgo.yaml: template`). A control character is refused: a newline in a file
 * name would forge a line of SHA256SUMS and of the signed checksums file.
 */
export function checkTemplate(template: string, what = 'output template'): Template {
  if (CONTROL.test(template)) {
    throw new UsageError(
      `${what} ${JSON.stringify(template)} holds a control character: file names may not (a newline would forge a checksums line)`,
    );
  }
  return compileTemplate(template, { file: what, key: '' }, { scope: 'target', fileName: true });
}

/**
 * Renders the output file name for one target from its template values: a plain relative path
 * (relativePathProblem), so `sub/` (which go would write as a file named `sub`), `a//b`, `./x`
 * and `../x` are refused.
 */
export function renderOutputName(
  template: Template,
  values: TemplateValues,
  env: NodeJS.ProcessEnv = {},
  what = template.source.file,
): string {
  const name = renderTemplate(template, values, env);
  const problem = name.endsWith('/')
    ? `ends with "/" (go would write a file named ${JSON.stringify(name.replace(/\/+$/, '').split('/').at(-1) ?? '')})`
    : relativePathProblem(name);
  if (problem) {
    const id = `${values.goos}/${values.goarch}${values.variant ? `/${values.variant}` : ''}`;
    const gives = `${what} ${JSON.stringify(template.text)} gives ${JSON.stringify(name)} for ${id}`;
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
