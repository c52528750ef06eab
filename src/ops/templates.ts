/** The shipped templates/ folder (next to dist/ in the package). */
export const TEMPLATES_DIR = new URL('../../templates/', import.meta.url);
