// How paths relate, asked by the reader (a config that is a link stays in its directory)
// and by validation (homes and mounts kept apart).

/** `a` is `b` or lies inside it. */
export function within(a: string, b: string): boolean {
  return a === b || a.startsWith(b === "/" ? "/" : `${b}/`);
}
