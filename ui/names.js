// The API's name rule (src/api/common.c api_name_problem), checked as the
// user types so the dialog says what the server would answer.
export const NAME_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
export const NAME_RULE = 'Lowercase letters and digits, runs joined by single ".", "_" or "-"; 2 to 255 characters.';

// null when valid, else the reason
export function nameProblem(s) {
  if (!NAME_RE.test(s)) {
    if (/[A-Z]/.test(s)) return 'Use lowercase letters only.';
    if (/^[._-]|[._-]$/.test(s)) return 'Must start and end with a letter or digit.';
    if (/[._-]{2}/.test(s)) return 'Separators (".", "_", "-") cannot be next to each other.';
    return 'Only lowercase letters, digits, ".", "_" and "-" are allowed.';
  }
  if (s.length < 2 || s.length > 255) return 'Must be between 2 and 255 characters long.';
  return null;
}
