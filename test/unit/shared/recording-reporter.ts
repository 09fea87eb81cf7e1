// The one recording reporter of the unit tests: what the code under test reported to `on_error`,
// and the lines it wrote in debug mode.
import type { ErrorReport, Reporter } from '../../../src/utils/report';

export interface RecordingReporter extends Reporter {
  reports: ErrorReport[];
  /** Debug lines, each with its arguments joined by spaces. */
  lines: string[];
}

export function recordingReporter(): RecordingReporter {
  const reports: ErrorReport[] = [];
  const lines: string[] = [];
  return {
    reports,
    lines,
    report: (r) => void reports.push(r),
    debug: (...args) => void lines.push(args.map(String).join(' ')),
  };
}
