// Text for the terminal from sources the user controls (file names, experiment names, cell
// names read from old databases, messages quoting them): its lines are kept and every other
// control character is shown escaped, so that an ESC or BEL in a name is printed, not obeyed.
import { printable } from '../cells/text.ts';

export function forTerminal(text: string): string {
  return text.split('\n').map(printable).join('\n');
}
