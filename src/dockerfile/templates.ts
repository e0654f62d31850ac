import { isSecretName } from '../exec/redact.js';
import { compileTemplate, type TemplateSource } from '../template/engine.js';

/*
 * crossgo's templates ({version}, {os}, …) as the Dockerfile's own variables, so one Dockerfile
 * serves every version and platform: a project value is a build argument of its upper-cased
 * name (`{version}` → `${VERSION}`, `{commit}` → `${COMMIT}`, `{env:NAME}` → `${NAME}`), a target
 * value is the shell variable the build step sets from TARGETOS/TARGETARCH/TARGETVARIANT
 * (`{os}` → `${TARGETOS}`, `{arm}` → `${GOARM}`), and what is the same for every build
 * (`{project}`, `{binary}`, `{id}`) is written in. Filters become POSIX parameter expansions where
 * one means the same (`|default:x` → `${V:-x}`, `|prefix:v` → `${V:+v$V}`, `|trimprefix:v` →
 * `${V#v}`); |title, |upper, |lower and |replace have none, and such a value is left out with a
 * note naming its key.
 */

/** Where an expanded value is used: a RUN's shell (every expansion) or an instruction (LABEL, ENV, COPY). */
export type ExpansionContext = 'shell' | 'instruction';

/** A rendered value, or why it cannot be. */
export type Mapped = { text: string; args: string[] } | { problem: string };

/** The build argument a project placeholder becomes. */
const PROJECT_ARGS: Record<string, string> = {
  version: 'VERSION',
  raw_version: 'RAW_VERSION',
  tag: 'TAG',
  commit: 'COMMIT',
  short_commit: 'SHORT_COMMIT',
  commit_date: 'COMMIT_DATE',
  commit_timestamp: 'COMMIT_TIMESTAMP',
  branch: 'BRANCH',
  major: 'MAJOR',
  minor: 'MINOR',
  patch: 'PATCH',
  prerelease: 'PRERELEASE',
  snapshot: 'SNAPSHOT',
};

/** The shell variable a target placeholder becomes inside the build step. */
const TARGET_VARIABLES: Record<string, string> = {
  os: 'TARGETOS',
  goos: 'TARGETOS',
  arch: 'TARGETARCH',
  goarch: 'TARGETARCH',
  variant: 'TARGETVARIANT',
  arm: 'GOARM',
  amd64: 'GOAMD64',
  arm64: 'GOARM64',
};

/** Target placeholders made of several variables in the build step. */
const SHELL_COMPOSED: Record<string, string> = {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a JS template
  '-variant': '${TARGETVARIANT:+-${TARGETVARIANT}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a JS template
  target: '${TARGETOS}_${TARGETARCH}${TARGETVARIANT:+_${TARGETVARIANT}}',
};

/** Values the same for every build of the Dockerfile. */
export interface FixedValues {
  project: string;
  binary: string;
  id: string;
}

/** Filter arguments written into an expansion: plain words only, so nothing needs quoting there. */
const PLAIN = /^[A-Za-z0-9._+:/@-]*$/;

/**
 * Maps one template to Dockerfile text: in a RUN (`shell`) inside double quotes, in an
 * instruction as BuildKit expands it (which knows ${V}, ${V:-x} and ${V:+x}). `args` are the
 * build arguments it reads.
 */
export function mapTemplate(
  text: string,
  source: TemplateSource,
  fixed: FixedValues,
  context: ExpansionContext,
): Mapped {
  // A newline would end the instruction: the rest of the value would become instructions.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(text)) return { problem: 'holds a control character' };
  const template = compileTemplate(text, source, { scope: 'target' });
  let out = '';
  const args: string[] = [];
  for (const part of template.parts) {
    if (typeof part === 'string') {
      out += context === 'shell' ? shellLiteral(part) : instructionLiteral(part);
      continue;
    }
    const name = part.placeholder;
    const fixedValue =
      name === 'project'
        ? fixed.project
        : name === 'binary' || name === 'name'
          ? fixed.binary
          : name === 'id'
            ? fixed.id
            : name === 'ext'
              ? ''
              : null;
    let variable: string | null = null;
    if (part.env !== null) {
      if (isSecretName(part.env))
        return {
          problem: `{env:${part.env}} names a secret, and a build argument is kept in the build's history: pass it another way`,
        };
      variable = part.env;
    } else if (PROJECT_ARGS[name] !== undefined) variable = PROJECT_ARGS[name] as string;
    else if (context === 'shell' && TARGET_VARIABLES[name] !== undefined)
      variable = TARGET_VARIABLES[name] as string;
    else if (fixedValue === null && !(context === 'shell' && SHELL_COMPOSED[name] !== undefined)) {
      return {
        problem: `{${name}} has no ${context === 'shell' ? 'equivalent in the build step' : 'build-argument equivalent outside the build step'}`,
      };
    }
    if (variable !== null && PROJECT_ARGS[name] !== undefined) args.push(variable);
    if (variable !== null && part.env !== null) args.push(variable);
    if (variable === null && context === 'shell' && SHELL_COMPOSED[name] !== undefined) {
      if (part.filters.length > 0)
        return { problem: `{${name}|…}: a filter on {${name}} has no shell equivalent` };
      out += SHELL_COMPOSED[name];
      continue;
    }
    if (variable === null) {
      if (fixedValue === null) return { problem: `{${name}} has no equivalent outside the build step` };
      if (part.filters.length > 0) return { problem: `{${name}|…}: a filter on a fixed value` };
      out += context === 'shell' ? shellLiteral(fixedValue ?? '') : instructionLiteral(fixedValue ?? '');
      continue;
    }
    const expansion = expand(variable, part.filters, context);
    if (typeof expansion !== 'string') return expansion;
    out += expansion;
  }
  return { text: out, args: [...new Set(args)] };
}

function expand(
  variable: string,
  filters: readonly { name: string; arg?: string }[],
  context: ExpansionContext,
): string | { problem: string } {
  if (filters.length === 0) return `\${${variable}}`;
  if (filters.length > 1) return { problem: 'more than one filter has no shell equivalent' };
  const filter = filters[0] as { name: string; arg?: string };
  const arg = filter.arg ?? '';
  if (!PLAIN.test(arg))
    return { problem: `the filter |${filter.name}:${arg} has an argument that is not a plain word` };
  switch (filter.name) {
    case 'default':
      return `\${${variable}:-${arg}}`;
    case 'prefix':
      return `\${${variable}:+${arg}\${${variable}}}`;
    case 'suffix':
      return `\${${variable}:+\${${variable}}${arg}}`;
    case 'trimprefix':
      if (context === 'shell' && !/[*?[]/.test(arg)) return `\${${variable}#${arg}}`;
      break;
    case 'trimsuffix':
      if (context === 'shell' && !/[*?[]/.test(arg)) return `\${${variable}%${arg}}`;
      break;
  }
  return {
    problem: `the filter |${filter.name} has no ${context === 'shell' ? 'shell' : 'Dockerfile'} equivalent`,
  };
}

/** Text inside a double-quoted shell word: \, $, " and ` escaped. */
export function shellLiteral(text: string): string {
  return text.replace(/[\\$"`]/g, (c) => `\\${c}`);
}

/** Text of an instruction's value, in double quotes: BuildKit's escapes for \, $ and ". */
export function instructionLiteral(text: string): string {
  return text.replace(/[\\$"]/g, (c) => `\\${c}`);
}
