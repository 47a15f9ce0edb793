import open from 'open';
import { BackendError } from '../../core/common/errors.js';

/** Opens a file in the default browser (`--open`). */
export async function openInBrowser(file: string): Promise<void> {
  try {
    await open(file, { wait: false });
  } catch (error) {
    throw new BackendError(`could not open a browser for ${file}`, {
      cause: error,
      hint: 'open the file by hand',
    });
  }
}
