/**
 * Finding the first failing step of a sequence with as few checks as possible: the bisection
 * `parx integrate` runs over the merge queue (step k = base plus the first k sessions merged).
 * Failure is assumed to be monotone: once a step fails, every later one does too (a later
 * merge does not fix an earlier break). Pure: the check is passed in.
 */

/**
 * The first k in (`passing`, `failing`] whose check fails, given that step `passing` passes
 * and step `failing` fails (neither is checked again). ⌈log2(failing − passing)⌉ checks.
 */
export async function findFirstFailing(passing: number, failing: number, fails: (step: number) => Promise<boolean>): Promise<number> {
  let good = passing;
  let bad = failing;
  while (bad - good > 1) {
    const middle = good + Math.floor((bad - good) / 2);
    if (await fails(middle)) bad = middle;
    else good = middle;
  }
  return bad;
}
