/** A lab's bounded log: the newest lines (1,000 by default), each also handed to a listener as it is added. */
import type { LogEntry, LogLevel, LogProcess, LogTopic, StepProgress } from '../../shared/api';

/** What a line carries beside its sentence: the step or the process it is about. */
export interface LogAbout {
  readonly step?: StepProgress;
  readonly process?: LogProcess;
}

export class LabLog {
  private readonly lines: LogEntry[] = [];

  constructor(
    private readonly lab: string,
    private readonly onLine: (entry: LogEntry) => void,
    private readonly limit = 1000,
  ) {}

  /** Adds a line (dropping the oldest past the limit) and passes it on. */
  add(level: LogLevel, topic: LogTopic, message: string, about: LogAbout = {}): void {
    const entry: LogEntry = { lab: this.lab, level, topic, message, time: Date.now(), ...about };
    this.lines.push(entry);
    if (this.lines.length > this.limit) this.lines.splice(0, this.lines.length - this.limit);
    this.onLine(entry);
  }

  /** The lines kept so far, oldest first. */
  entries(): LogEntry[] {
    return [...this.lines];
  }
}
