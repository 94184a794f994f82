// The slice of the `vscode` module that pure adapter code touches in unit tests: its Uri class, which is
// the same implementation VS Code ships (npm vscode-uri).
export { URI as Uri } from 'vscode-uri';

/** VS Code's CancellationError: a plain Error named "Canceled". */
export class CancellationError extends Error {
  constructor() {
    super('Canceled');
    this.name = 'Canceled';
  }
}

/** VS Code's FileSystemError factories, with the `code` the real one sets. */
export class FileSystemError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
  static FileNotFound(m?: unknown): FileSystemError { return new FileSystemError(String(m ?? ''), 'FileNotFound'); }
  static FileExists(m?: unknown): FileSystemError { return new FileSystemError(String(m ?? ''), 'FileExists'); }
  static NoPermissions(m?: unknown): FileSystemError { return new FileSystemError(String(m ?? ''), 'NoPermissions'); }
  static Unavailable(m?: unknown): FileSystemError { return new FileSystemError(String(m ?? ''), 'Unavailable'); }
}
