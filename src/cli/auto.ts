/**
 * A default that depends on where crossgo runs (the module root, the config, the host), so the
 * CLI cannot pass it as a value but still shows it through commander: `.default(AUTO, 'dist in
 * the module root')` prints "(default: dist in the module root)", and the command reads the flag
 * through given(), which turns AUTO back into "not given" for the library to decide.
 */
export const AUTO: unique symbol = Symbol('crossgo.auto-default');

/** The flag's value, or undefined when the user left it to its default. */
export function given<T>(value: T | typeof AUTO | undefined): T | undefined {
  return value === AUTO ? undefined : value;
}
