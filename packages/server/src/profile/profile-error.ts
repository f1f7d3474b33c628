import type { ProfileIssue } from './format-issues.js';

/** An invalid profile: every line names the file, the key path and the problem. */
export class ProfileError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly ProfileIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map((issue) => `profile ${source}: ${issue.path}: ${issue.message}`).join('\n'), options);
    this.name = 'ProfileError';
  }
}
