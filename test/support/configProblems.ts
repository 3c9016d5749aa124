import { ConfigError, loadConfig } from '../../src/config/env';

/** The problems loadConfig reports for an environment; none when it is valid. */
export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
