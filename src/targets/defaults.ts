/**
 * The targets of a run that names none (and whose config names none): the three most asked-for
 * platforms. A module of its own so the CLI can show it in --help without loading the parser.
 */
export const DEFAULT_TARGETS = 'linux/amd64,darwin/arm64,windows/386';
