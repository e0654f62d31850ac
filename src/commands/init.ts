import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseGoReleaserYaml, translateGoReleaser } from '../config/goreleaser.js';
import { type ModuleFacts, starterConfigText, translatedConfigText } from '../config/initFile.js';
import { CONFIG_NAMES, MAX_CONFIG_BYTES } from '../config/load.js';
import { parseConfig } from '../config/parse.js';
import { ConfigError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { readRegular } from '../fs/open.js';

export interface InitOptions {
  /** Where crossgo runs; the module root is found upwards from it. Default process.cwd(). */
  cwd?: string;
  /** A GoReleaser config to translate (relative to cwd); without it, a starter config. */
  from?: string;
  /** The file to write, relative to cwd; default crossgo.yaml in the module root. */
  file?: string;
  /** Overwrite an existing config. */
  force?: boolean;
  /** Return the text without writing a file. */
  stdout?: boolean;
}

export interface InitResult {
  /** The file written (absolute), or null with `stdout`. */
  file: string | null;
  /** The GoReleaser file translated (absolute), or null for a starter config. */
  from: string | null;
  text: string;
  /** With `from`: one line per key or template not translated. */
  notes: string[];
}

/** Writes a crossgo.yaml: translated from a GoReleaser config, or a commented starter one. */
export async function init(options: InitOptions = {}): Promise<InitResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const root = await moduleRoot(cwd);
  const facts = await moduleFacts(root);
  let text: string;
  let notes: string[] = [];
  let from: string | null = null;
  let shown = '';
  if (options.from !== undefined) {
    from = path.resolve(cwd, options.from);
    shown = path.relative(cwd, from) || path.basename(from);
    const data = parseGoReleaserYaml(await readSource(from, shown, options.from), shown);
    const translation = translateGoReleaser(data, { project: facts.project ?? undefined });
    notes = translation.notes;
    text = translatedConfigText(translation, shown);
  } else {
    text = starterConfigText(facts);
  }
  const file = options.stdout
    ? null
    : path.resolve(options.file !== undefined ? cwd : root, options.file ?? CONFIG_NAMES[0]);
  // What is written must load as it is: a translated value past one of crossgo's limits (a
  // 2,000-character name) is the input's to shorten; anything else would be crossgo's bug.
  try {
    parseConfig(text, file ?? path.join(root, CONFIG_NAMES[0]));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (from === null) throw new Error(`bug: the starter config does not load: ${error.message}`);
    throw new UsageError(
      `--from ${options.from}: its translation breaks a limit of crossgo's config (${error.keyPath}: ${error.problem}): shorten that value in ${shown}`,
    );
  }
  if (file !== null) {
    if (!options.force) await refuseExisting(file, root, options.file === undefined);
    await writeFileAtomic(file, text);
  }
  return { file, from, text, notes };
}

async function readSource(file: string, shown: string, given: string): Promise<string> {
  try {
    return (await readRegular(file, { shown, maxBytes: MAX_CONFIG_BYTES })).toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new UsageError(`--from ${given}: no such file (name it relative to where crossgo runs)`);
    if (code === 'EISDIR') throw new UsageError(`--from ${given}: a folder, not a GoReleaser config file`);
    if (error instanceof UsageError)
      throw new UsageError(`--from ${given}: ${error.message.replace(`${shown} `, '')}`);
    throw error;
  }
}

/** Refuses to replace a config (or, writing the default name, to add one beside another). */
async function refuseExisting(file: string, root: string, defaultName: boolean): Promise<void> {
  const candidates = defaultName ? CONFIG_NAMES.map((n) => path.join(root, n)) : [file];
  for (const candidate of candidates) {
    const info = await stat(candidate).catch(() => null);
    if (info) {
      throw new UsageError(
        `${path.basename(candidate)} already exists in ${candidate === file ? path.dirname(file) : root}: crossgo init does not replace it (add --force to overwrite, or --stdout to print the new one)`,
      );
    }
  }
}

/** The nearest folder upwards from cwd that holds a go.mod. */
async function moduleRoot(cwd: string): Promise<string> {
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    const info = await stat(path.join(dir, 'go.mod')).catch(() => null);
    if (info?.isFile()) return dir;
    if (path.dirname(dir) === dir) {
      throw new UsageError(
        `not in a Go module: ${cwd} has no go.mod in it or any parent (run crossgo init inside a module, use -C <module dir>, or "go mod init")`,
      );
    }
  }
}

/** The module path and its main package: the root's if it is one, else the first cmd/<name>. */
async function moduleFacts(root: string): Promise<ModuleFacts> {
  const goMod = await readText(path.join(root, 'go.mod'));
  const module = /^module\s+"?([^\s"]+)"?/m.exec(goMod)?.[1] ?? path.basename(root);
  const base = (importPath: string) => {
    const parts = importPath.split('/');
    const last = parts.at(-1) ?? '';
    return /^v\d+$/.test(last) && parts.length > 1 ? (parts.at(-2) ?? last) : last;
  };
  let main = '.';
  let name = base(module);
  if (!(await isMainPackage(root))) {
    const cmd = path.join(root, 'cmd');
    const entries = (await readdir(cmd, { withFileTypes: true }).catch(() => [])).filter((e) =>
      e.isDirectory(),
    );
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (await isMainPackage(path.join(cmd, entry.name))) {
        main = `./cmd/${entry.name}`;
        name = entry.name;
        break;
      }
    }
  }
  const project = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(name) ? name : null;
  return { module, project, main };
}

/** Does a folder hold a Go file of package main (tests left out)? */
async function isMainPackage(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.endsWith('.go') && !n.endsWith('_test.go')).sort()) {
    const text = await readText(path.join(dir, name));
    if (/^package\s+main\b/m.test(text.slice(0, 64 * 1024))) return true;
  }
  return false;
}

/** A source file's text, or "" for one that is not a regular file or is over 1 MiB (never blocks). */
async function readText(file: string): Promise<string> {
  return (await readRegular(file, { maxBytes: 1024 * 1024 }).catch(() => Buffer.alloc(0))).toString('utf8');
}
