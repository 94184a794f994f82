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
 * One output source. `chunk()` takes stream data that may end mid-line, `message()` a whole (multi-line) message.
 * @param {{ prefix?: string, stream?: NodeJS.WriteStream, routine?: RegExp[], budget?: number }} options
 */
export function createForwarder({ prefix = '', stream = process.stderr, routine = [], budget = 300 } = {}) {
  let pending = '';
  let emitted = 0;
  let suppressed = 0;

  const emit = (line) => {
    if (line.trim() === '' || (!verbose && routine.some((re) => re.test(line)))) {
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
      String(text).split(/\r?\n/).forEach(emit);
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
  };
}
