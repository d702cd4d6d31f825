// Where a Chromium to drive is installed (tests and the dashboard benchmark): $CHROMIUM, else the
// first of chromium, chromium-browser, google-chrome on the PATH. Undefined when there is none.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findChromium(): string | undefined {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (!dir) continue;
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export const NO_CHROMIUM = "no Chromium found (set CHROMIUM, or install Debian's: apt-get install -y chromium): the dashboard's browser tests are skipped";
