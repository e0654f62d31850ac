import pc from 'picocolors';
import { type BuildEvent, eventLabel } from '../../pipeline/events.js';
import { formatBytes, formatDuration } from './format.js';

type Row = { state: 'building' | 'done' | 'failed'; started: number; note: string };

/**
 * Progress on stderr. On a terminal: one live line per target, redrawn in place.
 * Elsewhere (CI logs): one line per finished target.
 */
export class Progress {
  private rows = new Map<string, Row>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly live: boolean,
  ) {}

  onEvent = (event: BuildEvent): void => {
    switch (event.type) {
      case 'stage-skipped':
        if (!this.live) this.stream.write(`skipped ${event.stage}: ${event.reason}\n`);
        return;
      case 'target-start':
        this.rows.set(eventLabel(event), { state: 'building', started: Date.now(), note: '' });
        this.timer ??= this.live ? setInterval(() => this.draw(), 250) : undefined;
        break;
      case 'target-done':
        this.finish(
          eventLabel(event),
          'done',
          event.unchanged
            ? `${formatBytes(event.artifact.size)} unchanged`
            : `${formatBytes(event.artifact.size)} in ${formatDuration(event.artifact.durationMs)}`,
          // Not live: "unchanged linux/amd64: 1.52 MiB", go did not run for it.
          event.unchanged ? `unchanged ${eventLabel(event)}: ${formatBytes(event.artifact.size)}` : undefined,
        );
        break;
      case 'target-failed':
        this.finish(eventLabel(event), 'failed', event.failure.excerpt.split('\n')[0] ?? '');
        break;
      case 'target-verified':
        if (event.ok) return;
        this.finish(
          eventLabel(event),
          'failed',
          `verification failed: ${event.checks
            .filter((c) => c.status === 'fail')
            .map((c) => c.name)
            .join(', ')}`,
        );
        break;
      default:
        return;
    }
    if (this.live) this.draw();
  };

  private finish(target: string, state: 'done' | 'failed', note: string, line?: string) {
    const row = this.rows.get(target);
    if (row) Object.assign(row, { state, note });
    if (!this.live)
      this.stream.write(`${line ?? `${state === 'done' ? 'built' : 'FAILED'} ${target}: ${note}`}\n`);
  }

  private draw() {
    const lines = [...this.rows].map(([target, row]) => {
      const mark =
        row.state === 'done' ? pc.green('✓') : row.state === 'failed' ? pc.red('✗') : pc.yellow('…');
      const note =
        row.state === 'building' ? pc.dim(`building ${formatDuration(Date.now() - row.started)}`) : row.note;
      return `${mark} ${target.padEnd(24)} ${note}`.slice(0, (this.stream.columns || 100) - 1);
    });
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    this.stream.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
    this.drawn = lines.length;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.live && this.rows.size > 0) this.draw();
  }
}
