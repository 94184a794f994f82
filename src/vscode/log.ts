// One log channel for the extension. Lines are component-prefixed; anything that looks like a secret is
// redacted again here as a second line of defence (the storage core already redacts its own lines).
import * as vscode from 'vscode';

const SECRET_PATTERNS: RegExp[] = [
  /(authorization\s*[:=]\s*)[^\s,]+(\s+[^\s,]+)?/gi,
  /(customer-key\s*[:=]\s*)[A-Za-z0-9+/=]{20,}/gi,
  /(security-token\s*[:=]\s*)\S+/gi,
  /(secret(?:AccessKey)?"?\s*[:=]\s*"?)[^\s",]+/gi,
];

export function redact(text: string): string {
  return SECRET_PATTERNS.reduce((acc, re) => acc.replace(re, '$1[redacted]'), text);
}

export class Log implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('Encrypted Buckets', { log: true });
  private readonly taps = new Set<(line: string) => void>();

  /** Every line as written (redacted), whatever the channel's level: for tests that count requests. */
  tap(listener: (line: string) => void): vscode.Disposable {
    this.taps.add(listener);
    return new vscode.Disposable(() => this.taps.delete(listener));
  }

  private emit(line: string): string {
    this.taps.forEach((t) => t(line));
    return line;
  }

  trace(component: string, message: string): void {
    this.channel.trace(this.emit(`[${component}] ${redact(message)}`));
  }
  info(component: string, message: string): void {
    this.channel.info(this.emit(`[${component}] ${redact(message)}`));
  }
  warn(component: string, message: string): void {
    this.channel.warn(this.emit(`[${component}] ${redact(message)}`));
  }
  error(component: string, message: string): void {
    this.channel.error(this.emit(`[${component}] ${redact(message)}`));
  }
  /** Shows the log (a message's "Show Log" action). */
  show(): void {
    this.channel.show(true);
  }
  dispose(): void {
    this.channel.dispose();
  }
}
