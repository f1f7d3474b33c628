import { expect } from 'vitest';
import { ProfileError } from '../profile/profile-error.js';

/** The ProfileError `run` throws; the test fails when it throws anything else or nothing. */
export function profileErrorOf(run: () => unknown): ProfileError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProfileError);
    return error as ProfileError;
  }
  throw new Error('expected a ProfileError');
}
