import * as vscode from 'vscode';
import { describeError } from '../vscode/errors';

/**
 * Commands given an argument object run without prompts and let errors reach the caller (scripts, tests);
 * interactive runs show the error instead.
 */
export function scriptable<A extends object, R>(
  interactive: () => Promise<R | undefined>,
  scripted: (args: A) => Promise<R>,
): (args?: unknown) => Promise<R | undefined> {
  return async (args?: unknown) => {
    if (args && typeof args === 'object' && !(args instanceof vscode.Uri) && !('kind' in args)) {
      return scripted(args as A);
    }
    try {
      return await interactive();
    } catch (err) {
      void vscode.window.showErrorMessage(describeError(err).message);
      return undefined;
    }
  };
}

export class InvalidArgumentError extends Error {
  readonly code = 'InvalidArgument';
}
