// Forwards what the server, the browser and the workbench print, one line at a time, without burying the test
// report: routine chatter is dropped, long lines are cut, and a source stops after a budget of lines.
// OBS_TEST_VERBOSE=1 shows everything.

export const verbose = process.env.OBS_TEST_VERBOSE === '1';
const MAX_LINE = 2000;

/** Routine output of a healthy run, per source. Anything else is shown. */
export const ROUTINE = {
  server: [
    /^\[[\d-]+T[\d:.]+Z\] info /, // code-server's own start-up report (the address is printed by the launcher)
    /Using custom extensions gallery/,
    /Could not create socket at .*code-server-ipc\.sock/,
    /^\[[\d:]+\] ?$/,
    /reconnection-grace-time/,
    /AgentHostChannel/,
    /Extension host agent started/,
    /default profile extensions in extensions installation folder/,
    /\[(Management|ExtensionHost)Connection\] (New connection established|Starting extension host process|<\d+> Launched Extension Host Process)/,
    /File not found: .*\/vsda\//, // no vsda outside Microsoft's builds
    /a socket was left hanging/, // said at shutdown
    /restarting watcher after unexpected error: terminated by itself with code null, signal: SIGTERM/,
    /Extension Host Process exited with code: 0, signal: null/,
    /The client has disconnected gracefully/,
  ],
  browser: [
    /^\w+: %c/, // the workbench's own log lines: they arrive once more through codeAutomationLog
    /Failed to load resource: the server responded with a status of 404/, // vsda, service worker, /update/check
    /web worker extension host is started in a same-origin iframe/,
    /both allow-scripts and allow-same-origin for its sandbox attribute/,
  ],
  workbench: [
    /^(Resolving|Resolved) connection token/,
    /^Creating a socket \(/,
    /additional builtin extensions/,
    /^\[Service Worker\]/,
    /^\[reconnection-grace-time\]/,
    /^\[AgentHost:remote\]/,
    /^\[AccountPolicyGate\]/,
    /vsda/i,
    /\/update\/check/,
  ],
};

/**
 * One output source. `chunk()` takes stream data that may end mid-line, `message()` a whole (multi-line) message,
 * dropped as a whole when its first line is routine or when `isRepeat` says another source has just shown it.
 * @param {{ prefix?: string, stream?: NodeJS.WriteStream, routine?: RegExp[], budget?: number,
 *           isRepeat?: (text: string) => boolean }} options
 */
export function createForwarder({ prefix = '', stream = process.stderr, routine = [], budget = 300, isRepeat = () => false } = {}) {
  let pending = '';
  let emitted = 0;
  let suppressed = 0;
  let muted = false;

  const emit = (line) => {
    if (muted || line.trim() === '' || (!verbose && routine.some((re) => re.test(line)))) {
      return;
    }
    if (!verbose && emitted >= budget) {
      suppressed++;
      return;
    }
    emitted++;
    const cut = line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)} … (${line.length - MAX_LINE} more characters)` : line;
    stream.write(prefix ? `${prefix} ${cut}\n` : `${cut}\n`);
  };

  return {
    chunk(text) {
      const lines = (pending + text).split(/\r?\n/);
      pending = lines.pop() ?? '';
      lines.forEach(emit);
    },
    message(text) {
      const lines = String(text).split(/\r?\n/);
      if (!verbose && (routine.some((re) => re.test(lines[0])) || isRepeat(lines[0]))) {
        return;
      }
      lines.forEach(emit);
    },
    flush() {
      if (pending) {
        emit(pending);
        pending = '';
      }
      if (suppressed > 0) {
        stream.write(`${prefix} … ${suppressed} more lines not shown (OBS_TEST_VERBOSE=1 shows all)\n`);
        suppressed = 0;
      }
    },
    /** From now on say nothing (teardown chatter); OBS_TEST_VERBOSE=1 keeps it. */
    mute() {
      this.flush();
      muted = !verbose;
    },
  };
}

/**
 * The workbench's errors reach us twice or three times (its log, the page console, the extension host's echo):
 * a message whose first line was shown a moment ago is not shown again.
 */
export function createRepeatFilter(windowMs = 5000) {
  const seen = new Map();
  return (firstLine) => {
    const key = firstLine.replace(/^\w+: /, '').trim();
    const now = Date.now();
    for (const [k, t] of seen) {
      if (now - t > windowMs) {
        seen.delete(k);
      }
    }
    const repeat = seen.has(key);
    seen.set(key, now);
    return repeat;
  };
}
