// One file written whole or not at all, for everything homedock writes in place: the
// secrets, the Compose file, a config the users import edits. A reader (or the machine
// after a crash) finds the old file or the new one, never part of one.
import { closeSync, fchmodSync, fchownSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";

export interface WriteWholeOptions {
  /** The file's mode, set before a byte is written, whatever the umask; default: a new file's (0666 less the umask). */
  readonly mode?: number;
  /** Its owner and group, set before a byte is written too; default: this process's. */
  readonly owner?: { readonly uid: number; readonly gid: number };
  /** A new file only: where `file` exists it is left as it is, and the write fails (EEXIST). */
  readonly exclusive?: boolean;
}

/** The staging file's name beside `file`: hidden, and this process's alone. */
function stagingFile(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.homedock-${process.pid}`);
}

/** Flushes a directory's entries (a rename in it), where its file system can; some refuse a directory's fsync (EINVAL). */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EINVAL") throw err;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `text` to `file` whole or not at all: into a staging file beside it (created
 * new, so a link put there is not followed, with its mode and owner before its content),
 * flushed to the disk, renamed over `file` (linked, where `exclusive`, which no existing
 * file survives), its directory flushed. On any failure the staging file is removed and
 * `file` is as it was.
 */
export function writeWhole(file: string, text: string, { mode, owner, exclusive = false }: WriteWholeOptions = {}): void {
  const staging = stagingFile(file);
  // Left by a run of this pid that was killed: never anyone else's.
  rmSync(staging, { force: true });
  const fd = openSync(staging, "wx", mode ?? 0o666);
  try {
    try {
      if (owner !== undefined) fchownSync(fd, owner.uid, owner.gid);
      // After the chown, which may clear set-id bits; the umask has no say in it.
      if (mode !== undefined) fchmodSync(fd, mode);
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (exclusive) {
      // A link fails where `file` exists, which a rename would replace.
      linkSync(staging, file);
      rmSync(staging);
    } else {
      renameSync(staging, file);
    }
    syncDirectory(path.dirname(file));
  } finally {
    rmSync(staging, { force: true });
  }
}
