/** The one mapping of zod's issues onto the fields they concern, for the JSON API, the pages, the CLI and the configuration. */
import type { z } from 'zod';
import type { FieldProblem } from '../errors';

/**
 * One problem per issue, named by its dotted path below `base` (the name of the value checked,
 * when the value is not an object); each unknown key of a strict object is a problem of its own.
 */
export function fieldProblems(issues: readonly z.core.$ZodIssue[], base: string[] = []): FieldProblem[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path.map(String)];
    return issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: [...path, key].join('.'), message: 'is not an accepted field' }))
      : [{ field: path.join('.'), message: issue.message }];
  });
}
