import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What the image does with a list variable at bootstrap (write_serverlist in the image's `common`, called by
 * valheim-bootstrap for each list): when the variable is not empty, a comment header and one line per
 * space-separated word; when it is empty, the file is left as it was. Written here in its own terms so the
 * test runs without the image; the test below runs the image's own function when its source is on the machine.
 */
export const WRITE_SERVERLIST = `write_serverlist() {
  if [ -n "$2" ]; then
    echo "// List $1 players ID  ONE per line" > "$LIST_DIR/$1list.txt"
    echo "$2" | sed -e "s/ \\\\+/\\\\n/g" >> "$LIST_DIR/$1list.txt"
  fi
}`;
const IMAGE_COMMON = '/work/.mirror/community-valheim-tools+valheim-server-docker/repo';

/** The image's own write_serverlist, writing under $LIST_DIR; undefined without the image's source here. */
export function imageWriteServerlist(): string | undefined {
  if (!existsSync(IMAGE_COMMON)) return undefined;
  const common = execFileSync('git', ['-C', IMAGE_COMMON, 'show', 'HEAD:common'], { encoding: 'utf8' });
  const body = /\nwrite_serverlist\(\) \{\n[\s\S]*?\n\}\n/.exec(common)?.[0];
  return body?.replaceAll('"/config/', '"$LIST_DIR/').replaceAll('debug ', 'true ');
}

/** Runs write_serverlist for one list with `value` over a directory that already holds `before`. */
export function listFileAfterStart(script: string, type: string, value: string, before: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lists-'));
  try {
    const file = join(dir, `${type}list.txt`);
    execFileSync(
      'bash',
      ['-c', `printf %s "$BEFORE" > "${file}"; ${script}\nwrite_serverlist "$TYPE" "$VALUE"`],
      {
        env: { PATH: process.env.PATH ?? '', LIST_DIR: dir, BEFORE: before, TYPE: type, VALUE: value },
      },
    );
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ids Valheim reads from a list file: lines that are neither empty nor a // comment. */
export function idsValheimReads(file: string): string[] {
  return file
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('//'));
}
